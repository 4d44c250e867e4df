import { randomUUID } from 'node:crypto';
import {
  Metadata,
  ServerInterceptingCall,
  status as GrpcStatus,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { ANONYMOUS, authorize, type AccessRule, type KeyStore, type Principal } from '../auth/index.js';
import { CortexError, ErrorReason } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { requestNamespace } from './access.js';
import { bindPrincipal, CORRELATION_HEADER } from './call.js';
import { rateLimited, type RateLimiter } from './rate-limit.js';
import { toStatus } from './status.js';

export interface InterceptorDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The API keys in force; auth is off (every caller is "anonymous") when undefined. */
  readonly keys: Pick<KeyStore, 'byToken' | 'byCertificate'> | undefined;
  /** Each RPC's declared guard, by gRPC path; a path without one is refused to everyone. */
  readonly access: ReadonlyMap<string, AccessRule>;
  /** True once shutdown began: new calls are refused with UNAVAILABLE. */
  readonly draining: () => boolean;
  /** Per-caller limits; none when undefined. */
  readonly rateLimiter: RateLimiter | undefined;
}

/** Operators and load balancers must reach these without credentials. */
const PUBLIC_PREFIXES = ['/grpc.health.v1.Health/', '/grpc.reflection.'];
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One interceptor for every call: correlation id (accepted or generated, echoed back),
 * authentication (bearer token or mapped client certificate) when the metadata arrives,
 * refusal while draining, per-caller rate limits, authorization when the request message
 * arrives (before any handler runs), and one log line + metrics per finished call.
 */
export function createCallInterceptor(deps: InterceptorDeps): ServerInterceptor {
  return (method, call) => {
    const started = process.hrtime.bigint();
    let correlationId: string = randomUUID();
    let rateHeaders: Readonly<Record<string, string>> = {};
    let principal: Principal | undefined;
    let refused = false;
    const isPublic = PUBLIC_PREFIXES.some((prefix) => method.path.startsWith(prefix));

    const refuse = (error: CortexError) => {
      refused = true;
      if (error.kind === 'UNAUTHENTICATED' || error.kind === 'PERMISSION_DENIED') {
        deps.metrics.authDenied.inc({ reason: error.reason, method: method.path });
        deps.logger.warn('call denied', { method: method.path, principal: principal?.name ?? null, reason: error.reason, correlationId, peer: call.getPeer() });
      }
      intercepted.sendStatus(toStatus(error));
    };
    /** Draining, then authentication, then the caller's rate limit: the first refusal wins. */
    const admit = (metadata: Metadata): CortexError | undefined => {
      if (deps.draining()) return unavailable();
      const identity = authenticate(deps.keys, metadata, call);
      if (identity instanceof CortexError) return identity;
      principal = identity;
      bindPrincipal(metadata, identity);
      const decision = takeRateToken(identity, call.getPeer());
      if (decision === undefined) return undefined;
      rateHeaders = decision.headers;
      return decision.allowed ? undefined : rateLimited(decision.caller, decision.headers);
    };
    /** Deny by default: the RPC's declared rule, the key's roles and the namespace the request names. */
    const permit = (message: unknown): CortexError | undefined => {
      if (principal === undefined) return unauthenticated(ErrorReason.MISSING_API_KEY);
      const rule = deps.access.get(method.path);
      const denial = authorize(principal, rule, rule === undefined ? undefined : requestNamespace(rule, message));
      return denial && new CortexError('PERMISSION_DENIED', denial.message, { reason: denial.reason, metadata: denial.metadata });
    };

    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const supplied = String(metadata.get(CORRELATION_HEADER)[0] ?? '');
            if (CORRELATION_ID.test(supplied)) correlationId = supplied;
            metadata.set(CORRELATION_HEADER, correlationId);
            const refusal = isPublic ? undefined : admit(metadata);
            if (refusal) refuse(refusal);
            else nextMetadata(metadata);
          },
          onReceiveMessage: (message, nextMessage) => {
            if (refused) return;
            const refusal = isPublic ? undefined : permit(message);
            if (refusal) refuse(refusal);
            else nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => {
            if (!refused) nextHalfClose();
          },
        }),
      sendMetadata: (metadata, next) => {
        metadata.set(CORRELATION_HEADER, correlationId);
        for (const [key, value] of Object.entries(rateHeaders)) metadata.set(key, value);
        next(metadata);
      },
      sendStatus: (status, next) => {
        const metadata = status.metadata ?? new Metadata();
        metadata.set(CORRELATION_HEADER, correlationId);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const code = status.code in GrpcStatus ? GrpcStatus[status.code] : String(status.code);
        deps.metrics.rpcHandled.inc({ method: method.path, code });
        deps.metrics.rpcDuration.observe({ method: method.path }, seconds);
        deps.logger.info('rpc', {
          method: method.path,
          code,
          durationMs: Math.round(seconds * 1e6) / 1e3,
          correlationId,
          ...(principal ? { principal: principal.name } : {}),
          ...(status.code === GrpcStatus.OK ? {} : { details: status.details }),
        });
        next({ ...status, metadata });
      },
    });
    return intercepted;
  };

  function takeRateToken(principal: Principal, peer: string) {
    if (deps.rateLimiter === undefined) return undefined;
    // Authenticated callers are limited per principal; anonymous ones per peer address.
    const caller = principal === ANONYMOUS ? `peer:${peer.replace(/:\d+$/, '')}` : principal.name;
    return { caller, ...deps.rateLimiter.take(caller) };
  }
}

/**
 * A bearer token decides when one is sent; otherwise a client certificate the TLS layer verified
 * (mutual TLS) and the key file maps to a principal.
 */
function authenticate(
  keys: InterceptorDeps['keys'],
  metadata: Metadata,
  call: ServerInterceptingCallInterface,
): Principal | CortexError {
  if (keys === undefined) return ANONYMOUS;
  const header = String(metadata.get('authorization')[0] ?? '');
  if (header !== '') {
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    return (token !== '' ? keys.byToken(token) : undefined) ?? unauthenticated(ErrorReason.INVALID_API_KEY);
  }
  const certificate = call.getAuthContext().sslPeerCertificate;
  if (certificate?.subject !== undefined) return keys.byCertificate(certificate) ?? unauthenticated(ErrorReason.CERTIFICATE_NOT_MAPPED);
  return unauthenticated(ErrorReason.MISSING_API_KEY);
}

const UNAUTHENTICATED_MESSAGES = {
  [ErrorReason.MISSING_API_KEY]: 'missing "authorization: Bearer <key>" metadata',
  [ErrorReason.INVALID_API_KEY]: 'unknown API key',
  [ErrorReason.CERTIFICATE_NOT_MAPPED]: 'the client certificate is valid but no API key names it',
} as const;

function unauthenticated(reason: keyof typeof UNAUTHENTICATED_MESSAGES): CortexError {
  return new CortexError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGES[reason], { reason });
}

function unavailable(): CortexError {
  return new CortexError('UNAVAILABLE', 'server is shutting down; retry on another replica', {
    reason: ErrorReason.SHUTTING_DOWN,
  });
}
