import { ErrorReason } from './error-reasons.js';

export { ErrorReason } from './error-reasons.js';

/**
 * The one error type domain code throws. It names a canonical failure kind, never a
 * transport code: the rpc layer maps kinds to gRPC statuses, so domain code stays free of grpc.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ABORTED'
  | 'FAILED_PRECONDITION'
  | 'OUT_OF_RANGE'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. `memories[3].content`. */
  readonly field: string;
  readonly description: string;
}

export interface CortexErrorOptions {
  /** Machine-readable reason, sent as google.rpc.ErrorInfo.reason; only catalogued ones (error-reasons.ts). */
  readonly reason: ErrorReason;
  readonly fieldViolations?: readonly FieldViolation[];
  /** Machine-readable facts for the client (google.rpc.ErrorInfo.metadata). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Response headers/trailers to attach, e.g. retry-after. */
  readonly trailers?: Readonly<Record<string, string>>;
  /** Stays on the server: logged, never sent. */
  readonly cause?: unknown;
}

export class CortexError extends Error {
  readonly kind: ErrorKind;
  readonly reason: ErrorReason;
  readonly fieldViolations: readonly FieldViolation[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly trailers: Readonly<Record<string, string>>;

  constructor(kind: ErrorKind, message: string, options: CortexErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CortexError';
    this.kind = kind;
    this.reason = options.reason;
    this.fieldViolations = options.fieldViolations ?? [];
    this.metadata = options.metadata ?? {};
    this.trailers = options.trailers ?? {};
  }

  /** Turns anything caught into a CortexError; unknown failures become INTERNAL with the cause kept. */
  static from(error: unknown): CortexError {
    if (error instanceof CortexError) return error;
    return new CortexError('INTERNAL', 'internal error', { reason: ErrorReason.INTERNAL, cause: error });
  }
}

export function invalidArgument(violations: readonly FieldViolation[]): CortexError {
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new CortexError('INVALID_ARGUMENT', `invalid request: ${summary}`, {
    reason: ErrorReason.INVALID_ARGUMENT,
    fieldViolations: violations,
  });
}

/** What can be not found: every `<WHAT>_NOT_FOUND` in the catalogue, in lower case (e.g. 'memory'). */
export type NotFoundSubject = ErrorReason extends infer R ? (R extends `${infer S}_NOT_FOUND` ? Lowercase<S> : never) : never;

export function notFound(what: NotFoundSubject, metadata: Record<string, string>): CortexError {
  // Sound by NotFoundSubject's definition: the upper-cased subject plus _NOT_FOUND is a catalogued reason.
  const reason = `${what.toUpperCase()}_NOT_FOUND` as ErrorReason;
  return new CortexError('NOT_FOUND', `${what} not found`, { reason, metadata });
}

/** The message of anything thrown, for logs and for errors that wrap it. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
