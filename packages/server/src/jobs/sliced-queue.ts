import { yieldToEventLoop } from './yield.js';

export interface SlicedQueueOptions<T> {
  /** Applies one item; synchronous work that is cheap on its own but adds up over many. */
  readonly apply: (item: T) => void;
  /** An item that throws is reported here; the queue goes on with the next. */
  readonly onError: (error: unknown, item: T) => void;
  /** Work per turn of the event loop before yielding (default 4 ms). */
  readonly sliceMs?: number;
  /**
   * Items a slice applies whatever the clock says (default 16): a small push to an idle queue is
   * applied before push returns even on a machine busy enough to stretch every step.
   */
  readonly minItems?: number;
}

export interface SlicedQueue<T> {
  /** Queues items after those already queued; the first slice runs now, before push returns. */
  push(items: readonly T[]): void;
  /** Whether any pushed item is not applied yet. */
  pending(): boolean;
  /** Resolves once every item pushed so far is applied; items pushed later do not hold it up. */
  applied(): Promise<void>;
}

const DEFAULT_SLICE_MS = 4;
const DEFAULT_MIN_ITEMS = 16;
/** Applied items kept at the head of the array before it is compacted. */
const COMPACT_AFTER = 4096;

/**
 * Applies items in order, in slices of about `sliceMs` with a turn of the event loop between
 * them, so a long run of small synchronous steps (the index inserts of a large batch) delays other
 * requests by one slice at most instead of by the whole run.
 */
export function createSlicedQueue<T>(options: SlicedQueueOptions<T>): SlicedQueue<T> {
  const { apply, onError, sliceMs = DEFAULT_SLICE_MS, minItems = DEFAULT_MIN_ITEMS } = options;
  let items: T[] = [];
  let next = 0;
  /** Items applied since the queue was made: a waiter's target is a count of these. */
  let done = 0;
  const waiters: Array<{ readonly upTo: number; readonly resolve: () => void }> = [];
  let draining = false;

  const applyOne = (item: T): void => {
    try {
      apply(item);
    } catch (error) {
      onError(error, item);
    }
  };

  const slice = (): void => {
    const until = performance.now() + sliceMs;
    const atLeast = next + minItems;
    do {
      applyOne(items[next++]!);
      done++;
    } while (next < items.length && (next < atLeast || performance.now() < until));
    if (next === items.length) {
      items = [];
      next = 0;
    } else if (next >= COMPACT_AFTER) {
      items = items.slice(next);
      next = 0;
    }
    // Waiters were added in order of their targets.
    while (waiters.length > 0 && waiters[0]!.upTo <= done) waiters.shift()!.resolve();
  };

  /** The slices after the first, each on a later turn of the event loop. */
  async function drain(): Promise<void> {
    try {
      while (next < items.length) {
        await yieldToEventLoop();
        slice();
      }
    } finally {
      draining = false;
    }
  }

  return {
    push(more) {
      if (more.length === 0) return;
      for (const item of more) items.push(item); // no spread: a batch may exceed the argument limit
      if (draining) return;
      slice();
      if (next < items.length) {
        draining = true;
        void drain();
      }
    },
    pending: () => next < items.length,
    applied() {
      const upTo = done + items.length - next;
      if (upTo === done) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ upTo, resolve }));
    },
  };
}
