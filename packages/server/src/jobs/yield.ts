import { setImmediate } from 'node:timers/promises';

/** Lets pending I/O and timers run: long work awaits this between steps so requests keep flowing. */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}

/** Work per turn of the event loop before mapInSlices yields. */
const SLICE_MS = 4;

/** `items.map(fn)` for a long list of synchronous steps: yields whenever a slice of about 4 ms is used up. */
export async function mapInSlices<T, R>(items: readonly T[], fn: (item: T) => R): Promise<R[]> {
  const results: R[] = [];
  let until = performance.now() + SLICE_MS;
  for (const item of items) {
    if (performance.now() >= until) {
      await yieldToEventLoop();
      until = performance.now() + SLICE_MS;
    }
    results.push(fn(item));
  }
  return results;
}
