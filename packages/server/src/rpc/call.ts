import type { handleUnaryCall, Metadata, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { CortexError } from '../errors.js';
import { toStatus } from './status.js';

/** Set by the interceptor after authentication; client-sent values are stripped first. */
export const PRINCIPAL_HEADER = 'x-cortex-principal';
export const CORRELATION_HEADER = 'x-correlation-id';

export interface CallContext {
  readonly actor: string;
  readonly correlationId: string;
}

export function callContext(metadata: Metadata): CallContext {
  return {
    actor: String(metadata.get(PRINCIPAL_HEADER)[0] ?? 'anonymous'),
    correlationId: String(metadata.get(CORRELATION_HEADER)[0] ?? ''),
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
