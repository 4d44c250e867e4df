import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import type { CortexError, ErrorKind } from '../errors.js';
import { BadRequest, ErrorInfo } from '@cortex/proto/google/rpc/error_details';
import { Status } from '@cortex/proto/google/rpc/status';

export const ERROR_DOMAIN = 'cortex.dev';

const CODES: Readonly<Record<ErrorKind, GrpcStatus>> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  ABORTED: GrpcStatus.ABORTED,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  OUT_OF_RANGE: GrpcStatus.OUT_OF_RANGE,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  INTERNAL: GrpcStatus.INTERNAL,
};

/**
 * A status travels in HTTP/2 trailers, which clients cap (grpc-core, under the Python SDK, at
 * 16 KiB by default; a call whose trailers exceed a client's cap never completes for it). So a
 * status stays under about 13 KiB whatever the request held: at most MAX_VIOLATIONS field
 * violations (ErrorInfo.metadata.omittedViolations says how many more there were), and every
 * text cut to a number of UTF-8 bytes, since field paths and descriptions can quote the client's
 * input (map keys).
 */
const MAX_VIOLATIONS = 20;
const MAX_VIOLATION_BYTES = 200;
const MAX_MESSAGE_BYTES = 512;

/**
 * Renders a CortexError as a gRPC status carrying a google.rpc.Status in
 * `grpc-status-details-bin`: always an ErrorInfo, plus a BadRequest for field violations.
 * The cause never leaves the server.
 */
export function toStatus(error: CortexError): StatusObject {
  const code = CODES[error.kind];
  const message = cut(error.message, MAX_MESSAGE_BYTES);
  const sent = error.fieldViolations.slice(0, MAX_VIOLATIONS);
  const omitted = error.fieldViolations.length - sent.length;
  const metadata = omitted > 0 ? { ...error.metadata, omittedViolations: String(omitted) } : { ...error.metadata };
  const details = [
    {
      typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
      value: Buffer.from(ErrorInfo.encode({ reason: error.reason, domain: ERROR_DOMAIN, metadata }).finish()),
    },
  ];
  if (sent.length > 0) {
    const badRequest = BadRequest.encode({
      fieldViolations: sent.map((v) => ({
        field: cut(v.field, MAX_VIOLATION_BYTES),
        description: cut(v.description, MAX_VIOLATION_BYTES),
        reason: '',
        localizedMessage: undefined,
      })),
    }).finish();
    details.push({ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from(badRequest) });
  }
  const trailers = new Metadata();
  for (const [key, value] of Object.entries(error.trailers)) trailers.set(key, value);
  trailers.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details }).finish()));
  return { code, details: message, metadata: trailers };
}

/** Keeps at most `maxBytes` of UTF-8, cut at a code point and marked with an ellipsis. */
function cut(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let kept = '';
  let bytes = Buffer.byteLength('…');
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    kept += char;
  }
  return `${kept}…`;
}
