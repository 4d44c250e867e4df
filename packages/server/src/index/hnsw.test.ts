import { expect } from 'chai';
import { join } from 'node:path';
import { exactSearch } from './exact.js';
import { createHnswIndex } from './hnsw.js';
import type { HnswIndex } from './hnsw.js';
import { generateClusteredVectors } from './synthetic-vectors.js';
import { createRecordingLogger, createTempDir, exactTopK, recallAtK } from './test-helpers.js';

const DIMS = 384;

function smallIndex(vectors: readonly Float32Array[], initialCapacity = 64): HnswIndex {
  const index = createHnswIndex({ dimensions: DIMS, path: join('/nonexistent', 'unused.hnsw'), logger: createRecordingLogger(), initialCapacity });
  vectors.forEach((v, label) => index.add(label, v));
  return index;
}

describe('HNSW index', () => {
  const small = generateClusteredVectors({ count: 300, dimensions: DIMS, seed: 3 });

  it('finds a stored vector as its own nearest neighbour with score ≈ 1 and distance ≈ 0', () => {
    const index = smallIndex(small.vectors);
    const [top] = index.search(small.vectors[17]!, 1);
    expect(top!.label).to.equal(17);
    expect(top!.score).to.be.closeTo(1, 1e-5);
    expect(top!.distance).to.be.closeTo(0, 1e-5);
  });

  it('returns hits sorted by score descending, score = 1 - distance', () => {
    const hits = smallIndex(small.vectors).search(small.queries(1)[0]!, 10);
    expect(hits).to.have.length(10);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).to.be.at.least(hits[i]!.score);
    for (const h of hits) expect(h.score).to.be.closeTo(1 - h.distance, 1e-12);
  });

  it('grows beyond its initial capacity by doubling', () => {
    const index = smallIndex(small.vectors, 16);
    expect(index.size()).to.equal(300);
    expect(index.capacity()).to.equal(512);
    expect(index.search(small.vectors[299]!, 1)[0]!.label).to.equal(299);
  });

  it('replaces the vector when a present label is added again', () => {
    const index = smallIndex(small.vectors);
    index.add(5, small.vectors[200]!);
    expect(index.size()).to.equal(300);
    const labels = index.search(small.vectors[200]!, 2).map((h) => h.label).sort((a, b) => a - b);
    expect(labels).to.deep.equal([5, 200]);
    expect(index.search(small.vectors[5]!, 1)[0]!.label).to.not.equal(5);
  });

  it('never returns removed labels, and remove is idempotent', () => {
    const index = smallIndex(small.vectors);
    const removed = new Set([0, 1, 2, 3, 4, 17, 299]);
    for (const label of removed) expect(index.remove(label)).to.equal(true);
    expect(index.remove(17)).to.equal(false);
    expect(index.remove(12345)).to.equal(false);
    expect(index.size()).to.equal(300 - removed.size);
    for (const label of removed) {
      const hits = index.search(small.vectors[label]!, 50);
      expect(hits).to.have.length(50);
      expect(hits.filter((h) => removed.has(h.label))).to.deep.equal([]);
    }
  });

  it('brings back a removed label when it is added again, with the new vector', () => {
    const index = smallIndex(small.vectors);
    index.remove(42);
    index.add(42, small.vectors[100]!);
    expect(index.has(42)).to.equal(true);
    expect(index.size()).to.equal(300);
    expect(index.search(small.vectors[100]!, 2).map((h) => h.label).sort((a, b) => a - b)).to.deep.equal([42, 100]);
  });

  it('reuses deleted slots for new labels instead of growing', () => {
    const index = smallIndex(small.vectors, 300);
    expect(index.capacity()).to.equal(300);
    for (let label = 0; label < 10; label++) index.remove(label);
    for (let label = 1000; label < 1010; label++) index.add(label, small.vectors[label - 1000]!);
    expect(index.capacity()).to.equal(300);
    expect(index.size()).to.equal(300);
    expect(index.search(small.vectors[3]!, 1)[0]!.label).to.equal(1003);
    for (let label = 0; label < 10; label++) expect(index.has(label)).to.equal(false);
  });

  it('returns at most as many hits as live vectors, and none from an empty index', () => {
    const index = smallIndex(small.vectors.slice(0, 3));
    expect(index.search(small.vectors[0]!, 10)).to.have.length(3);
    expect(smallIndex([]).search(small.vectors[0]!, 10)).to.deep.equal([]);
  });

  it('rejects bad labels, wrong dimensions, zero and non-finite vectors', () => {
    const index = smallIndex([]);
    expect(() => index.add(-1, small.vectors[0]!)).to.throw(RangeError);
    expect(() => index.add(1.5, small.vectors[0]!)).to.throw(RangeError);
    expect(() => index.add(2 ** 32, small.vectors[0]!)).to.throw(RangeError);
    expect(() => index.add(1, new Float32Array(3))).to.throw(RangeError);
    expect(() => index.add(1, new Float32Array(DIMS))).to.throw(RangeError);
    expect(() => index.add(1, new Float32Array(DIMS).fill(Number.NaN))).to.throw(RangeError);
    expect(() => index.search(new Float32Array(3), 1)).to.throw(RangeError);
    expect(() => index.search(small.vectors[0]!, 0)).to.throw(RangeError);
  });

  it('rethrows an error thrown by the filter instead of losing it in native code', () => {
    const index = smallIndex(small.vectors);
    const boom = new Error('filter failed');
    expect(() =>
      index.search(small.vectors[0]!, 5, () => {
        throw boom;
      }),
    ).to.throw(boom);
  });

  describe('on 10k clustered vectors', () => {
    const set = generateClusteredVectors({ count: 10_000, dimensions: DIMS, seed: 11 });
    const queries = set.queries(100);
    let index: HnswIndex;
    const tmp = createTempDir();

    before(function () {
      this.timeout(30_000);
      index = createHnswIndex({ dimensions: DIMS, path: join(tmp.dir, 'v.hnsw'), logger: createRecordingLogger() });
      set.vectors.forEach((v, label) => index.add(label, v));
    });
    after(() => tmp.cleanup());

    it('has recall@10 ≥ 0.95 against exact search', () => {
      const truth = exactTopK(set.vectors, queries, 10);
      const recall = recallAtK(truth, queries.map((q) => index.search(q, 10)));
      expect(recall).to.be.at.least(0.95);
    });

    it('returns k results when only 1% of vectors pass the filter, matching exact search', () => {
      const allowed = (label: number): boolean => label % 100 === 7;
      const candidates = set.vectors.map((vector, label) => ({ label, vector })).filter((c) => allowed(c.label));
      for (const q of queries.slice(0, 20)) {
        // No count given: the index samples the filter, sees ~1% and answers exactly.
        const hits = index.search(q, 10, allowed);
        expect(hits).to.have.length(10);
        expect(hits.every((h) => allowed(h.label))).to.equal(true);
        const truth = exactSearch(q, candidates, 10).map((h) => h.label);
        expect(recallAtK([truth], [hits])).to.be.at.least(0.9);
      }
    });

    it('answers a very selective filter exactly from caller-supplied candidates when given the allowed count', () => {
      const allowedLabels = [3, 1003, 2003, 3003, 4003, 5003, 6003, 7003, 8003, 9003, 9999];
      const allowed = new Set(allowedLabels);
      let supplied = 0;
      const hits = index.search(queries[0]!, 10, (l) => allowed.has(l), {
        allowedCount: allowed.size,
        candidates: () => {
          supplied++;
          // Includes a label the index does not hold; it must not be returned.
          return [...allowedLabels, 123_456].map((label) => ({ label, vector: set.vectors[label % 10_000]! }));
        },
      });
      expect(supplied).to.equal(1);
      const expected = exactSearch(queries[0]!, allowedLabels.map((label) => ({ label, vector: set.vectors[label]! })), 10);
      expect(hits.map((h) => h.label)).to.deep.equal(expected.map((h) => h.label));
    });

    it('falls back to exact search over the index when a small allowed count is given without candidates', () => {
      const allowed = new Set([10, 20, 30]);
      const hits = index.search(queries[1]!, 10, (l) => allowed.has(l), { allowedCount: 3 });
      expect(hits.map((h) => h.label).sort((a, b) => a - b)).to.deep.equal([10, 20, 30]);
    });

    it('scans only the labels the caller lists on the exact path, asking the filter about no others', () => {
      const among = [12, 512, 4096, 8191, 123_456]; // the last is not in the index
      const asked: number[] = [];
      const hits = index.search(queries[1]!, 10, (l) => (asked.push(l), true), { allowedCount: among.length, among: () => among });
      expect(hits.map((h) => h.label).sort((a, b) => a - b)).to.deep.equal([12, 512, 4096, 8191]);
      expect([...new Set(asked)].sort((a, b) => a - b)).to.deep.equal([12, 512, 4096, 8191, 123_456]);
    });

    it('ranks from the int8 copy alone when the caller re-scores, close to exact float search', () => {
      const allowed = (label: number): boolean => label % 50 === 3;
      const candidates = set.vectors.map((vector, label) => ({ label, vector })).filter((c) => allowed(c.label));
      for (const q of queries.slice(0, 10)) {
        const hits = index.search(q, 10, allowed, { allowedCount: candidates.length, approximateScores: true });
        const truth = exactSearch(q, candidates, 10);
        expect(hits.every((h) => allowed(h.label))).to.equal(true);
        expect(recallAtK([truth.map((h) => h.label)], [hits])).to.be.at.least(0.9);
        hits.forEach((h, i) => expect(h.score).to.be.closeTo(truth[i]!.score, 0.02));
      }
    });

    it('still returns k hits when the caller underestimates the allowed count', () => {
      expect(index.search(queries[1]!, 10, () => true, { allowedCount: 0 })).to.have.length(10);
      expect(index.search(queries[1]!, 10, () => false, { allowedCount: 0 })).to.deep.equal([]);
    });

    it('returns k filtered results from the graph walk when 20% of vectors pass the filter', () => {
      const allowed = (label: number): boolean => label % 5 === 1;
      const candidates = set.vectors.map((vector, label) => ({ label, vector })).filter((c) => allowed(c.label));
      const found = queries.map((q) => index.search(q, 10, allowed, { allowedCount: 2_000 }));
      for (const hits of found) {
        expect(hits).to.have.length(10);
        expect(hits.every((h) => allowed(h.label))).to.equal(true);
      }
      const truth = queries.map((q) => exactSearch(q, candidates, 10).map((h) => h.label));
      expect(recallAtK(truth, found)).to.be.at.least(0.95);
    });

    it('falls back to exact search when the graph walk finds fewer than k (count estimate too high)', () => {
      const allowed = new Set([11, 5555, 9876]);
      const hits = index.search(queries[3]!, 10, (l) => allowed.has(l), { allowedCount: 5_000 });
      expect(hits.map((h) => h.label).sort((a, b) => a - b)).to.deep.equal([11, 5555, 9876]);
    });

    it('returns every allowed vector when fewer than k pass the filter', () => {
      const hits = index.search(queries[2]!, 10, (l) => l === 4242 || l === 77);
      expect(hits.map((h) => h.label).sort((a, b) => a - b)).to.deep.equal([77, 4242]);
    });
  });
});
