import type { handleUnaryCall, Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { NamespaceScope, type Principal } from '../auth/index.js';
import { CortexError } from '../errors.js';
import { toStatus } from './status.js';

export const CORRELATION_HEADER = 'x-correlation-id';

export interface CallContext {
  /** The authenticated principal's name: the ledger actor of whatever the call writes. */
  readonly actor: string;
  readonly correlationId: string;
  readonly principal: Principal;
}

/**
 * The principal of each call, keyed by its metadata object, which grpc-js hands from the
 * interceptor to the handler unchanged. Nothing a client sends can set it.
 */
const principals = new WeakMap<Metadata, Principal>();

/** Fails closed: a call the interceptor did not authenticate holds no role and no namespace. */
const NOBODY: Principal = { name: 'unauthenticated', roles: new Set(), namespaces: NamespaceScope.parse([]) };

export function bindPrincipal(metadata: Metadata, principal: Principal): void {
  principals.set(metadata, principal);
}

export function callContext(metadata: Metadata): CallContext {
  const principal = principals.get(metadata) ?? NOBODY;
  return {
    actor: principal.name,
    correlationId: String(metadata.get(CORRELATION_HEADER)[0] ?? ''),
    principal,
  };
}

/**
 * Adapts a promise-returning handler to grpc-js. Every failure leaves as a proper status:
 * CortexErrors keep their kind, anything else is INTERNAL with the cause logged, not sent.
 */
export function unary<Req, Res>(
  logger: Logger,
  handler: (request: Req, ctx: CallContext) => Res | Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const ctx = callContext(call.metadata);
    Promise.resolve()
      .then(() => handler(call.request, ctx))
      .then(
        (response) => callback(null, response),
        (thrown: unknown) => callback(toStatus(reportIfInternal(logger, thrown, ctx))),
      );
  };
}

export function reportIfInternal(logger: Logger, thrown: unknown, ctx: CallContext): CortexError {
  const error = CortexError.from(thrown);
  if (error.kind === 'INTERNAL') {
    const cause = error.cause instanceof Error ? error.cause : error;
    logger.error('unexpected failure in handler', {
      correlationId: ctx.correlationId,
      error: cause.message,
      stack: cause.stack,
    });
  }
  return error;
}
