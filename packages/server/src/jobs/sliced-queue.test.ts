import { expect } from 'chai';
import { createSlicedQueue } from './sliced-queue.js';
import { mapInSlices } from './yield.js';

/** Busy work standing in for a slow synchronous step (an index insert). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // burn the time on this thread, as the step would
  }
}

const failOnError = (error: unknown): never => {
  throw error;
};

describe('sliced queue', () => {
  it('applies a push that fits in one slice before push returns', () => {
    const applied: number[] = [];
    const queue = createSlicedQueue<number>({ apply: (n) => applied.push(n), onError: failOnError, sliceMs: 10_000 });
    queue.push([1, 2, 3]);
    expect(applied).to.deep.equal([1, 2, 3]);
    expect(queue.pending()).to.equal(false);
  });

  it('lets other work run between slices of a long push, and applies everything in order', async () => {
    const applied: number[] = [];
    const queue = createSlicedQueue<number>({ apply: (n) => (spin(1), applied.push(n)), onError: failOnError, sliceMs: 3, minItems: 1 });
    queue.push(Array.from({ length: 30 }, (_, i) => i));
    expect(queue.pending()).to.equal(true);
    expect(applied.length).to.be.below(30);
    let otherWorkRanAt = -1;
    setImmediate(() => (otherWorkRanAt = applied.length));
    queue.push([30, 31]);
    await queue.applied();
    expect(applied).to.deep.equal(Array.from({ length: 32 }, (_, i) => i));
    expect(otherWorkRanAt).to.be.within(1, 31);
    expect(queue.pending()).to.equal(false);
  });

  it('applies a small push at once however long its items take', () => {
    const applied: number[] = [];
    const queue = createSlicedQueue<number>({ apply: (n) => (spin(2), applied.push(n)), onError: failOnError, sliceMs: 1, minItems: 3 });
    queue.push([1, 2, 3]);
    expect(applied).to.deep.equal([1, 2, 3]);
    expect(queue.pending()).to.equal(false);
  });

  it('reports an item that throws and goes on with the rest', async () => {
    const applied: number[] = [];
    const failed: number[] = [];
    const queue = createSlicedQueue<number>({
      apply: (n) => {
        if (n === 2) throw new Error('bad item');
        applied.push(n);
      },
      onError: (_error, n) => failed.push(n),
    });
    queue.push([1, 2, 3]);
    await queue.applied();
    expect(applied).to.deep.equal([1, 3]);
    expect(failed).to.deep.equal([2]);
  });

  it('resolves a wait once the items pushed before it are applied, not those pushed after', async () => {
    const applied: number[] = [];
    const queue = createSlicedQueue<number>({ apply: (n) => (spin(1), applied.push(n)), onError: failOnError, sliceMs: 2, minItems: 1 });
    queue.push(Array.from({ length: 10 }, (_, i) => i));
    const firstTen = queue.applied().then(() => applied.length);
    queue.push(Array.from({ length: 40 }, (_, i) => 10 + i));
    expect(await firstTen).to.be.within(10, 49);
    expect(queue.pending()).to.equal(true);
    await queue.applied();
    expect(applied).to.have.length(50);
  });

  it('resolves a wait at once when nothing is queued', async () => {
    const queue = createSlicedQueue<number>({ apply: () => undefined, onError: failOnError });
    await queue.applied();
    expect(queue.pending()).to.equal(false);
  });
});

describe('mapInSlices', () => {
  it('maps in order and lets other work run during a long list', async () => {
    let otherWorkRan = false;
    setImmediate(() => (otherWorkRan = true));
    const squares = await mapInSlices(Array.from({ length: 20 }, (_, i) => i), (i) => (spin(1), i * i));
    expect(squares).to.deep.equal(Array.from({ length: 20 }, (_, i) => i * i));
    expect(otherWorkRan).to.equal(true);
  });
});
