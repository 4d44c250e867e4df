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
  /** UPPER_SNAKE machine-readable reason, sent as google.rpc.ErrorInfo.reason. */
  readonly reason: string;
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
  readonly reason: string;
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
    return new CortexError('INTERNAL', 'internal error', { reason: 'INTERNAL', cause: error });
  }
}

export function invalidArgument(violations: readonly FieldViolation[]): CortexError {
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new CortexError('INVALID_ARGUMENT', `invalid request: ${summary}`, {
    reason: 'INVALID_ARGUMENT',
    fieldViolations: violations,
  });
}

export function notFound(what: string, metadata: Record<string, string>): CortexError {
  return new CortexError('NOT_FOUND', `${what} not found`, { reason: `${what.toUpperCase()}_NOT_FOUND`, metadata });
}

/** The message of anything thrown, for logs and for errors that wrap it. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
