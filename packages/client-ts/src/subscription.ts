import type { ClientReadableStream } from '@grpc/grpc-js';
import { CortexError } from './errors.js';

export interface StreamContext {
  readonly signal?: AbortSignal | undefined;
  readonly correlationId: string;
}

/**
 * Reads a server stream as an async iterable. The call opens on the first `next()`; breaking
 * out of the loop or aborting the signal cancels it, and then the iteration simply ends.
 * Any other failure is thrown as a CortexError.
 */
export async function* readStream<T>(
  open: () => ClientReadableStream<T>,
  context: StreamContext,
): AsyncGenerator<T, void, undefined> {
  const { signal, correlationId } = context;
  if (signal?.aborted) return;
  const stream = open();
  const cancel = () => stream.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for await (const message of stream) yield message as T;
  } catch (thrown) {
    if (signal?.aborted) return;
    throw CortexError.from(thrown, { correlationId });
  } finally {
    signal?.removeEventListener('abort', cancel);
    stream.cancel();
  }
}
