import type { Metadata } from '@grpc/grpc-js';
import { Code, codeToJSON } from '@cortex/proto/google/rpc/code';
import { BadRequest, ErrorInfo, RetryInfo } from '@cortex/proto/google/rpc/error_details';
import { Status } from '@cortex/proto/google/rpc/status';

/** One offending field of a request, from google.rpc.BadRequest. */
export interface FieldViolation {
  /** Path of the field in the request, e.g. `memories[0].content`. */
  readonly field: string;
  readonly description: string;
  /** UPPER_SNAKE reason of the violation; empty when the server sent none. */
  readonly reason: string;
}

export interface CortexErrorInit {
  readonly reason?: string;
  readonly domain?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly fieldViolations?: readonly FieldViolation[];
  readonly retryAfterMs?: number | undefined;
  readonly correlationId?: string | undefined;
  readonly trailers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

const DETAILS_TRAILER = 'grpc-status-details-bin';
const RETRY_AFTER_TRAILER = 'retry-after';
const CORRELATION_TRAILER = 'x-correlation-id';

/**
 * The one error every CortexClient call rejects with: the gRPC status code plus the
 * machine-readable details the server put in `grpc-status-details-bin` (google.rpc.Status
 * holding an ErrorInfo and, for bad input, a BadRequest).
 */
export class CortexError extends Error {
  override readonly name = 'CortexError';
  /** The gRPC status code (numerically the same as grpc-js `status`). */
  readonly code: Code;
  /** The status code's name, e.g. `ABORTED`. */
  readonly codeName: string;
  /** google.rpc.ErrorInfo.reason, e.g. `STATE_VERSION_CONFLICT`; empty when absent. */
  readonly reason: string;
  /** google.rpc.ErrorInfo.domain, e.g. `cortex.dev`; empty when absent. */
  readonly domain: string;
  /** google.rpc.ErrorInfo.metadata, e.g. `{ currentVersion: '2' }`. */
  readonly metadata: Readonly<Record<string, string>>;
  /** google.rpc.BadRequest field violations (INVALID_ARGUMENT). */
  readonly fieldViolations: readonly FieldViolation[];
  /** How long the server asked the client to wait (`retry-after` trailer, else RetryInfo). */
  readonly retryAfterMs: number | undefined;
  /** The call's correlation id, as echoed by the server or as sent. */
  readonly correlationId: string | undefined;
  /** The text-valued response trailers, e.g. `x-ratelimit-remaining`. */
  readonly trailers: Readonly<Record<string, string>>;

  constructor(code: Code, message: string, init: CortexErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.codeName = codeToJSON(code);
    this.reason = init.reason ?? '';
    this.domain = init.domain ?? '';
    this.metadata = init.metadata ?? {};
    this.fieldViolations = init.fieldViolations ?? [];
    this.retryAfterMs = init.retryAfterMs;
    this.correlationId = init.correlationId;
    this.trailers = init.trailers ?? {};
  }

  /**
   * Turns anything caught into a CortexError: a grpc-js ServiceError is decoded, an abort
   * becomes CANCELLED, anything else UNKNOWN with the original kept as `cause`.
   */
  static from(thrown: unknown, context: { readonly correlationId?: string } = {}): CortexError {
    if (thrown instanceof CortexError) return thrown;
    if (isAbort(thrown)) {
      return new CortexError(Code.CANCELLED, 'the call was cancelled by the caller', {
        correlationId: context.correlationId,
        cause: thrown,
      });
    }
    if (isServiceError(thrown)) return fromServiceError(thrown, context.correlationId);
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return new CortexError(Code.UNKNOWN, message, { correlationId: context.correlationId, cause: thrown });
  }
}

/** Node's AbortError or an AbortSignal's DOMException; tested first, as a DOMException has a numeric `code` too. */
function isAbort(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'AbortError';
}

interface ServiceErrorLike {
  readonly code: number;
  readonly details?: unknown;
  readonly message: string;
  readonly metadata: Metadata;
}

/** A grpc-js ServiceError: an Error with a numeric status code and the trailers. */
function isServiceError(value: unknown): value is ServiceErrorLike {
  if (!(value instanceof Error) || typeof (value as { code?: unknown }).code !== 'number') return false;
  const metadata = (value as { metadata?: unknown }).metadata;
  return typeof metadata === 'object' && metadata !== null && typeof (metadata as Metadata).getMap === 'function';
}

function isCode(value: number): value is Code {
  return value >= 0 && value in Code;
}

function fromServiceError(error: ServiceErrorLike, sentCorrelationId: string | undefined): CortexError {
  const code = isCode(error.code) ? error.code : Code.UNKNOWN;
  const status = decodeStatus(error.metadata);
  let info: ErrorInfo | undefined;
  const fieldViolations: FieldViolation[] = [];
  let retryInfoMs: number | undefined;
  for (const detail of status?.details ?? []) {
    const type = detail.typeUrl.slice(detail.typeUrl.lastIndexOf('/') + 1);
    try {
      if (type === 'google.rpc.ErrorInfo') info = ErrorInfo.decode(detail.value);
      else if (type === 'google.rpc.BadRequest') {
        for (const v of BadRequest.decode(detail.value).fieldViolations) {
          fieldViolations.push({ field: v.field, description: v.description, reason: v.reason });
        }
      } else if (type === 'google.rpc.RetryInfo') {
        const delay = RetryInfo.decode(detail.value).retryDelay;
        if (delay) retryInfoMs = Math.max(0, delay.seconds * 1000 + Math.round(delay.nanos / 1e6));
      }
    } catch {
      // A detail we cannot decode is skipped; the status code and message still stand.
    }
  }
  const trailers = textTrailers(error.metadata);
  const retryAfter = trailers[RETRY_AFTER_TRAILER];
  const message = typeof error.details === 'string' && error.details !== '' ? error.details : (status?.message ?? error.message);
  return new CortexError(code, message, {
    reason: info?.reason ?? '',
    domain: info?.domain ?? '',
    metadata: info?.metadata ?? {},
    fieldViolations,
    retryAfterMs: (retryAfter === undefined ? undefined : parseRetryAfter(retryAfter)) ?? retryInfoMs,
    correlationId: trailers[CORRELATION_TRAILER] ?? sentCorrelationId,
    trailers,
    cause: error,
  });
}

function decodeStatus(metadata: Metadata): Status | undefined {
  const raw = metadata.get(DETAILS_TRAILER)[0];
  if (!(raw instanceof Uint8Array)) return undefined;
  try {
    return Status.decode(raw);
  } catch {
    return undefined;
  }
}

function textTrailers(metadata: Metadata): Record<string, string> {
  const trailers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (typeof value === 'string') trailers[key] = value;
  }
  return trailers;
}

/** `retry-after` as in HTTP: delay-seconds (fractions allowed) or an HTTP date. */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
