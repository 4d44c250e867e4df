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
 * Renders a CortexError as a gRPC status carrying a google.rpc.Status in
 * `grpc-status-details-bin`: always an ErrorInfo, plus a BadRequest for field violations.
 * The cause never leaves the server.
 */
export function toStatus(error: CortexError): StatusObject {
  const code = CODES[error.kind];
  const details = [
    {
      typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
      value: Buffer.from(
        ErrorInfo.encode({ reason: error.reason, domain: ERROR_DOMAIN, metadata: { ...error.metadata } }).finish(),
      ),
    },
  ];
  if (error.fieldViolations.length > 0) {
    const badRequest = BadRequest.encode({
      fieldViolations: error.fieldViolations.map((v) => ({
        field: v.field,
        description: v.description,
        reason: '',
        localizedMessage: undefined,
      })),
    }).finish();
    details.push({ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: Buffer.from(badRequest) });
  }
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(error.trailers)) metadata.set(key, value);
  metadata.set(
    'grpc-status-details-bin',
    Buffer.from(Status.encode({ code, message: error.message, details }).finish()),
  );
  return { code, details: error.message, metadata };
}
