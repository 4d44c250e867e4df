import { setImmediate } from 'node:timers/promises';

/** Lets pending I/O and timers run: long work awaits this between steps so requests keep flowing. */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}
