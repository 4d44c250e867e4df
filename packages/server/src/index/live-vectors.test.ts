import { expect } from 'chai';
import fc from 'fast-check';
import { exactSearch } from './exact.js';
import { createLiveVectors } from './live-vectors.js';
import { generateClusteredVectors } from './synthetic-vectors.js';

const DIMS = 32;
const set = generateClusteredVectors({ count: 64, dimensions: DIMS, seed: 9, clusterSize: 8 });
const vectorOf = (label: number): Float32Array => set.vectors[label % set.vectors.length]!;
const noFetch = (): never => {
  throw new Error('fetch should not be needed');
};

describe('live vectors (label bookkeeping and int8 scan)', () => {
  it('tracks the same live labels as a plain set through any sequence of sets and deletes', () => {
    const op = fc.record({ remove: fc.boolean(), label: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const live = createLiveVectors(DIMS);
        const model = new Set<number>();
        for (const { remove, label } of ops) {
          if (remove) expect(live.delete(label)).to.equal(model.delete(label));
          else {
            live.set(label, vectorOf(label));
            model.add(label);
          }
        }
        expect([...live.labels()].sort((a, b) => a - b)).to.deep.equal([...model].sort((a, b) => a - b));
        expect(live.size()).to.equal(model.size);
        // Every label's codes moved with it: each scores ~1 against its own vector.
        for (const label of model) {
          const [top] = live.scan(vectorOf(label), 1, (l) => l === label, noFetch);
          expect(top!.label).to.equal(label);
          expect(top!.score).to.be.closeTo(1, 1e-3);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('ranks like exact float search, only over labels that pass the filter', () => {
    const live = createLiveVectors(DIMS);
    set.vectors.forEach((v, label) => live.set(label, v));
    const query = set.queries(1)[0]!;
    const even = (label: number): boolean => label % 2 === 0;
    const expected = exactSearch(query, set.vectors.map((vector, label) => ({ label, vector })).filter((c) => even(c.label)), 5);
    const hits = live.scan(query, 5, even, noFetch);
    expect(hits.map((h) => h.label)).to.deep.equal(expected.map((h) => h.label));
    hits.forEach((h, i) => expect(h.score).to.be.closeTo(expected[i]!.score, 0.01));
  });

  it('scans only the labels it is given, skipping those not live', () => {
    const live = createLiveVectors(DIMS);
    set.vectors.forEach((v, label) => live.set(label, v));
    live.delete(6);
    const among = [2, 4, 6, 40, 999];
    const hits = live.scan(vectorOf(3), 10, undefined, noFetch, among);
    expect(hits.map((h) => h.label).sort((a, b) => a - b)).to.deep.equal([2, 4, 40]);
  });

  it('fetches the vector of a label added without one, once, on its first scan', () => {
    const live = createLiveVectors(DIMS);
    const fetched: number[] = [];
    const fetch = (label: number): Float32Array => (fetched.push(label), vectorOf(label));
    live.set(3);
    live.set(4, vectorOf(4));
    live.scan(vectorOf(3), 2, undefined, fetch);
    live.scan(vectorOf(3), 2, undefined, fetch);
    expect(fetched).to.deep.equal([3]);
  });
});
