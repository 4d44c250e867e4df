import { randomUUID } from 'node:crypto';
import {
  Metadata,
  ServerInterceptingCall,
  status as GrpcStatus,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { CortexError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { CORRELATION_HEADER, PRINCIPAL_HEADER } from './call.js';
import { toStatus } from './status.js';

export interface InterceptorDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** token → principal; auth is off when undefined. */
  readonly apiKeys: ReadonlyMap<string, string> | undefined;
  /** True once shutdown began: new calls are refused with UNAVAILABLE. */
  readonly draining: () => boolean;
}

/** Operators and load balancers must reach these without credentials. */
const PUBLIC_PREFIXES = ['/grpc.health.v1.Health/', '/grpc.reflection.'];
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * One interceptor for every call: correlation id (accepted or generated, echoed back),
 * authentication, refusal while draining, and one log line + metrics per finished call.
 */
export function createCallInterceptor(deps: InterceptorDeps): ServerInterceptor {
  return (method, call) => {
    const started = process.hrtime.bigint();
    let correlationId: string = randomUUID();
    const isPublic = PUBLIC_PREFIXES.some((prefix) => method.path.startsWith(prefix));
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const supplied = String(metadata.get(CORRELATION_HEADER)[0] ?? '');
            if (CORRELATION_ID.test(supplied)) correlationId = supplied;
            metadata.set(CORRELATION_HEADER, correlationId);
            metadata.remove(PRINCIPAL_HEADER);
            const refusal = deps.draining() && !isPublic ? unavailable() : isPublic ? undefined : authenticate(metadata);
            if (refusal) {
              intercepted.sendStatus(toStatus(refusal));
              return;
            }
            nextMetadata(metadata);
          },
        }),
      sendMetadata: (metadata, next) => {
        metadata.set(CORRELATION_HEADER, correlationId);
        next(metadata);
      },
      sendStatus: (status, next) => {
        const metadata = status.metadata ?? new Metadata();
        metadata.set(CORRELATION_HEADER, correlationId);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const code = GrpcStatus[status.code] ?? String(status.code);
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
        reason: token ? 'INVALID_API_KEY' : 'MISSING_API_KEY',
      });
    }
    metadata.set(PRINCIPAL_HEADER, principal);
    return undefined;
  }
}

function unavailable(): CortexError {
  return new CortexError('UNAVAILABLE', 'server is shutting down; retry on another replica', {
    reason: 'SHUTTING_DOWN',
  });
}
