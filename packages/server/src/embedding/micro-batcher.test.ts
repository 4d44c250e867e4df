import { expect } from 'chai';
import { createMicroBatcher } from './micro-batcher.js';

const closedError = () => new Error('closed');

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('micro-batcher', () => {
  it('merges submissions made in the same turn into one batch', async () => {
    const batches: number[][] = [];
    const batcher = createMicroBatcher<number, number>({
      run: async (inputs) => {
        batches.push([...inputs]);
        return inputs.map((x) => x * 2);
      },
      maxBatchSize: 32,
      maxConcurrency: 1,
      windowMs: 0,
      closedError,
    });
    const results = await Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    expect(results).to.deep.equal([2, 4, 6]);
    expect(batches).to.deep.equal([[1, 2, 3]]);
  });

  it('waits up to windowMs for more submissions', async () => {
    const batches: number[] = [];
    const batcher = createMicroBatcher<number, number>({
      run: async (inputs) => {
        batches.push(inputs.length);
        return [...inputs];
      },
      maxBatchSize: 32,
      maxConcurrency: 1,
      windowMs: 20,
      closedError,
    });
    const first = batcher.submit(1);
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, batcher.submit(2)]);
    expect(batches).to.deep.equal([2]);
  });

  it('never exceeds maxBatchSize or maxConcurrency, and batches what queued while busy', async () => {
    const gate = deferred();
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const batcher = createMicroBatcher<number, number>({
      run: async (inputs) => {
        running += 1;
        peak = Math.max(peak, running);
        sizes.push(inputs.length);
        await gate.promise;
        running -= 1;
        return [...inputs];
      },
      maxBatchSize: 4,
      maxConcurrency: 2,
      windowMs: 0,
      closedError,
    });
    const all = Array.from({ length: 10 }, (_, i) => batcher.submit(i));
    await new Promise((r) => setImmediate(r));
    expect(sizes).to.deep.equal([4, 4]);
    gate.resolve();
    expect(await Promise.all(all)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sizes).to.deep.equal([4, 4, 2]);
    expect(peak).to.equal(2);
  });

  it('rejects every member of a failed batch and keeps serving later ones', async () => {
    let calls = 0;
    const batcher = createMicroBatcher<number, number>({
      run: async (inputs) => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        return [...inputs];
      },
      maxBatchSize: 8,
      maxConcurrency: 1,
      windowMs: 0,
      closedError,
    });
    const failed = await Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect(failed.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    expect(await batcher.submit(3)).to.equal(3);
  });

  it('rejects a batch whose runner returns the wrong number of outputs', async () => {
    const batcher = createMicroBatcher<number, number>({
      run: async () => [],
      maxBatchSize: 8,
      maxConcurrency: 1,
      windowMs: 0,
      closedError,
    });
    const result = await batcher.submit(1).then(
      () => 'resolved',
      (e: unknown) => String(e),
    );
    expect(result).to.match(/produced 0 outputs/);
  });

  it('finishes queued work on close and refuses new work after', async () => {
    const batcher = createMicroBatcher<number, number>({
      run: async (inputs) => [...inputs],
      maxBatchSize: 8,
      maxConcurrency: 1,
      windowMs: 50,
      closedError,
    });
    const queued = batcher.submit(7);
    await Promise.all([batcher.close(), batcher.close()]);
    expect(await queued).to.equal(7);
    const late = await batcher.submit(8).then(
      () => 'resolved',
      (e: unknown) => (e as Error).message,
    );
    expect(late).to.equal('closed');
  });
});

describe('micro-batcher buckets and urgency', () => {
  const collect = (options: { bucketOf?: (x: string) => number; isUrgent?: (x: string) => boolean; maxBatchSize?: number }) => {
    const batches: string[][] = [];
    const gate = deferred();
    let first = true;
    const batcher = createMicroBatcher<string, string>({
      run: async (inputs) => {
        batches.push([...inputs]);
        if (first) {
          first = false;
          await gate.promise; // hold the only slot so the rest queue up
        }
        return [...inputs];
      },
      maxBatchSize: options.maxBatchSize ?? 32,
      maxConcurrency: 1,
      windowMs: 0,
      closedError,
      ...(options.bucketOf === undefined ? {} : { bucketOf: options.bucketOf }),
      ...(options.isUrgent === undefined ? {} : { isUrgent: options.isUrgent }),
    });
    return { batches, gate, batcher };
  };

  it('never puts inputs of different buckets in one batch', async () => {
    const { batches, gate, batcher } = collect({ bucketOf: (x) => x.length });
    const all = ['a', 'bbbb', 'c', 'dddd', 'e'].map((x) => batcher.submit(x));
    gate.resolve();
    await Promise.all(all);
    expect(batches).to.deep.equal([['a', 'c', 'e'], ['bbbb', 'dddd']]);
  });

  it('sends an urgent input ahead of older ones, with the other urgent inputs of its bucket', async () => {
    const { batches, gate, batcher } = collect({ isUrgent: (x) => x.startsWith('q'), maxBatchSize: 2 });
    const busy = batcher.submit('running');
    await new Promise((r) => setImmediate(r));
    const queued = ['d1', 'd2', 'd3', 'q1', 'd4', 'q2'].map((x) => batcher.submit(x));
    gate.resolve();
    await Promise.all([busy, ...queued]);
    expect(batches).to.deep.equal([['running'], ['q1', 'q2'], ['d1', 'd2'], ['d3', 'd4']]);
  });

  it('keeps urgent batches to urgent inputs, so a query never waits for a full batch of documents', async () => {
    const { batches, gate, batcher } = collect({ isUrgent: (x) => x.startsWith('q'), maxBatchSize: 3 });
    const busy = batcher.submit('running');
    await new Promise((r) => setImmediate(r));
    const queued = ['d1', 'q1', 'd2', 'd3'].map((x) => batcher.submit(x));
    gate.resolve();
    await Promise.all([busy, ...queued]);
    expect(batches).to.deep.equal([['running'], ['q1'], ['d1', 'd2', 'd3']]);
  });
});
