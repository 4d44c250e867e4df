export interface MicroBatcherOptions<I, O> {
  /** Runs one batch; must return one output per input, in order. */
  readonly run: (inputs: readonly I[]) => Promise<O[]>;
  readonly maxBatchSize: number;
  /** Batches running at once; more would only contend for the same cores. */
  readonly maxConcurrency: number;
  /** How long the first item waits for company: 0 means until the current event-loop turn ends. */
  readonly windowMs: number;
  /** Rejection for submissions after close(). */
  readonly closedError: () => Error;
  /**
   * Inputs of different buckets never share a batch (e.g. by length, so short texts are not
   * padded to the longest). Default: one bucket.
   */
  readonly bucketOf?: (input: I) => number;
  /**
   * Urgent inputs (e.g. a search query someone waits for) leave before older ones, in batches of
   * their own: a full batch of others would make them wait for all of it.
   */
  readonly isUrgent?: (input: I) => boolean;
}

export interface MicroBatcher<I, O> {
  submit(input: I): Promise<O>;
  /** Stops taking work, lets queued and running batches finish. */
  close(): Promise<void>;
}

interface Pending<I, O> {
  readonly input: I;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Merges concurrent submissions into batches. Work that arrives while every slot is busy
 * queues up and leaves as the next batch, so batches grow with load on their own. A batch starts
 * with the oldest urgent input (else the oldest input) and takes the next queued inputs of its
 * bucket and urgency.
 */
export function createMicroBatcher<I, O>(options: MicroBatcherOptions<I, O>): MicroBatcher<I, O> {
  const { run, maxBatchSize, maxConcurrency, windowMs, closedError } = options;
  const bucketOf = options.bucketOf ?? (() => 0);
  const isUrgent = options.isUrgent ?? (() => false);
  if (maxBatchSize < 1 || maxConcurrency < 1) throw new RangeError('maxBatchSize and maxConcurrency must be at least 1');
  const queue: Array<Pending<I, O>> = [];
  let running = 0;
  let scheduled = false;
  let closed = false;
  let idle: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    const fire = (): void => {
      scheduled = false;
      pump();
    };
    if (windowMs > 0) setTimeout(fire, windowMs);
    else setImmediate(fire);
  };

  const takeBatch = (): Array<Pending<I, O>> => {
    const urgentAt = queue.findIndex((p) => isUrgent(p.input));
    const head = queue[Math.max(urgentAt, 0)]!;
    const bucket = bucketOf(head.input);
    const urgent = urgentAt >= 0;
    const batch: Array<Pending<I, O>> = [];
    for (const p of queue) {
      if (batch.length === maxBatchSize) break;
      if (isUrgent(p.input) === urgent && bucketOf(p.input) === bucket) batch.push(p);
    }
    const taken = new Set(batch);
    queue.splice(0, queue.length, ...queue.filter((p) => !taken.has(p)));
    return batch;
  };

  const pump = (): void => {
    while (running < maxConcurrency && queue.length > 0) {
      const batch = takeBatch();
      running += 1;
      void runBatch(batch);
    }
    if (running === 0 && queue.length === 0) idle?.();
  };

  const runBatch = async (batch: Array<Pending<I, O>>): Promise<void> => {
    try {
      const outputs = await run(batch.map((p) => p.input));
      if (outputs.length !== batch.length) {
        throw new Error(`batch of ${batch.length} produced ${outputs.length} outputs`);
      }
      batch.forEach((p, i) => p.resolve(outputs[i] as O));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      running -= 1;
      pump();
    }
  };

  return {
    submit(input) {
      if (closed) return Promise.reject(closedError());
      return new Promise<O>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule();
      });
    },
    close() {
      closed = true;
      closing ??= new Promise<void>((resolve) => {
        idle = resolve;
        pump();
      });
      return closing;
    },
  };
}
