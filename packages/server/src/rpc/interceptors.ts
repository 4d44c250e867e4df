import { randomUUID } from 'node:crypto';
import {
  Metadata,
  ServerInterceptingCall,
  status as GrpcStatus,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { CortexError, ErrorReason } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { CORRELATION_HEADER, PRINCIPAL_HEADER } from './call.js';
import { rateLimited, type RateLimiter } from './rate-limit.js';
import { toStatus } from './status.js';

export interface InterceptorDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** token → principal; auth is off when undefined. */
  readonly apiKeys: ReadonlyMap<string, string> | undefined;
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
 * authentication, refusal while draining, per-caller rate limits, and one log line + metrics
 * per finished call.
 */
export function createCallInterceptor(deps: InterceptorDeps): ServerInterceptor {
  return (method, call) => {
    const started = process.hrtime.bigint();
    let correlationId: string = randomUUID();
    let rateHeaders: Readonly<Record<string, string>> = {};
    /** Draining, then authentication, then the caller's rate limit: the first refusal wins. */
    const admit = (metadata: Metadata): CortexError | undefined => {
      if (deps.draining()) return unavailable();
      const denied = authenticate(metadata);
      if (denied) return denied;
      const decision = takeRateToken(metadata, call.getPeer());
      if (decision === undefined) return undefined;
      rateHeaders = decision.headers;
      return decision.allowed ? undefined : rateLimited(decision.caller, decision.headers);
    };
    const isPublic = PUBLIC_PREFIXES.some((prefix) => method.path.startsWith(prefix));
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const supplied = String(metadata.get(CORRELATION_HEADER)[0] ?? '');
            if (CORRELATION_ID.test(supplied)) correlationId = supplied;
            metadata.set(CORRELATION_HEADER, correlationId);
            metadata.remove(PRINCIPAL_HEADER);
            const refusal = isPublic ? undefined : admit(metadata);
            if (refusal) {
              intercepted.sendStatus(toStatus(refusal));
              return;
            }
            nextMetadata(metadata);
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
          ...(status.code === GrpcStatus.OK ? {} : { details: status.details }),
        });
        next({ ...status, metadata });
      },
    });
    return intercepted;
  };

  function takeRateToken(metadata: Metadata, peer: string) {
    if (deps.rateLimiter === undefined) return undefined;
    // Authenticated callers are limited per principal; anonymous ones per peer address.
    const principal = String(metadata.get(PRINCIPAL_HEADER)[0] ?? 'anonymous');
    const caller = principal === 'anonymous' ? `peer:${peer.replace(/:\d+$/, '')}` : principal;
    return { caller, ...deps.rateLimiter.take(caller) };
  }

  function authenticate(metadata: Metadata): CortexError | undefined {
    if (deps.apiKeys === undefined) {
      metadata.set(PRINCIPAL_HEADER, 'anonymous');
      return undefined;
    }
    const header = String(metadata.get('authorization')[0] ?? '');
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    const principal = token ? deps.apiKeys.get(token) : undefined;
    if (principal === undefined) {
      return new CortexError('UNAUTHENTICATED', token ? 'unknown API key' : 'missing "authorization: Bearer <key>" metadata', {
        reason: token ? ErrorReason.INVALID_API_KEY : ErrorReason.MISSING_API_KEY,
      });
    }
    metadata.set(PRINCIPAL_HEADER, principal);
    return undefined;
  }
}

function unavailable(): CortexError {
  return new CortexError('UNAVAILABLE', 'server is shutting down; retry on another replica', {
    reason: ErrorReason.SHUTTING_DOWN,
  });
}
