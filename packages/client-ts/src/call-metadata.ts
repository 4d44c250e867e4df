import { randomUUID } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';

export const CORRELATION_HEADER = 'x-correlation-id';

/** A fresh correlation id; the server accepts 1-128 characters of [A-Za-z0-9._:-]. */
export function newCorrelationId(): string {
  return randomUUID();
}

/** The request metadata every call carries: the API key (when set) and the correlation id. */
export function callMetadata(apiKey: string | undefined, correlationId: string): Metadata {
  const metadata = new Metadata();
  if (apiKey !== undefined) metadata.set('authorization', `Bearer ${apiKey}`);
  metadata.set(CORRELATION_HEADER, correlationId);
  return metadata;
}
