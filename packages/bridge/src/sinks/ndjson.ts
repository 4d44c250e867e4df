import type { Writable } from 'node:stream';
import type { Sink } from '../event.js';

/**
 * Writes each transaction as one line of JSON (the webhook's body) to `out`, e.g. stdout. An
 * event counts as delivered once the stream has flushed it (the write's callback), so a slow
 * reader slows the bridge instead of filling memory, and the cursor never runs ahead of the output.
 */
export function createNdjsonSink(out: Writable): Sink {
  return {
    deliver: (event, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.throwIfAborted();
        out.write(`${event.body}\n`, (error) => (error ? reject(error) : resolve()));
      }),
  };
}
