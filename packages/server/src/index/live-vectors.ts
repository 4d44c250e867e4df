// The index's own record of which labels are live, plus an int8 copy of their vectors.
// hnswlib-node can hand a vector back only as a JS array of boxed numbers (~20 µs each), too slow
// to brute-force a selective filter over; the int8 copy (dims + a few bytes per vector, ~1/4 of
// what hnswlib itself holds) makes that scan cheap. Labels are kept dense for O(1) sampling.
import { createTopK, vectorNorm } from './exact.js';
import { quantizeInto } from './quantize.js';
import type { LabelFilter, SearchHit } from './types.js';

export interface LiveVectors {
  size(): number;
  has(label: number): boolean;
  /** Marks `label` live; with a vector its codes are stored now, else on first scan via `fetch`. */
  set(label: number, vector?: ArrayLike<number>): void;
  delete(label: number): boolean;
  /** Dense list of live labels; read-only view, invalidated by set/delete. */
  labels(): readonly number[];
  /**
   * Top `k` live labels passing `filter` by cosine over the int8 codes (approximate scores);
   * with `among`, only those labels are looked at (labels not live are skipped).
   */
  scan(
    query: ArrayLike<number>,
    k: number,
    filter: LabelFilter | undefined,
    fetch: (label: number) => ArrayLike<number>,
    among?: Iterable<number>,
  ): SearchHit[];
}

export function createLiveVectors(dimensions: number): LiveVectors {
  const positions = new Map<number, number>();
  const labels: number[] = [];
  let capacity = 0;
  let codes = new Int8Array(0);
  let norms = new Float32Array(0); // norm of the codes; 0 until the label's codes are stored

  const grow = (): void => {
    capacity = Math.max(64, capacity * 2);
    const nextCodes = new Int8Array(capacity * dimensions);
    nextCodes.set(codes);
    const nextNorms = new Float32Array(capacity);
    nextNorms.set(norms);
    codes = nextCodes;
    norms = nextNorms;
  };

  const store = (at: number, vector: ArrayLike<number>): void => {
    const base = at * dimensions;
    quantizeInto(vector, codes, base); // the scale is not kept: cosine does not depend on it
    norms[at] = vectorNorm(codes.subarray(base, base + dimensions));
  };

  return {
    size: () => labels.length,
    has: (label) => positions.has(label),
    labels: () => labels,

    set(label, vector) {
      let at = positions.get(label);
      if (at === undefined) {
        at = labels.length;
        if (at === capacity) grow();
        positions.set(label, at);
        labels.push(label);
      }
      if (vector) store(at, vector);
      else norms[at] = 0;
    },

    delete(label) {
      const at = positions.get(label);
      if (at === undefined) return false;
      const last = labels.length - 1;
      if (at !== last) {
        // Swap-remove: move the last label (and its codes) into the hole.
        const moved = labels[last]!;
        labels[at] = moved;
        positions.set(moved, at);
        codes.copyWithin(at * dimensions, last * dimensions, (last + 1) * dimensions);
        norms[at] = norms[last]!;
      }
      labels.pop();
      norms[last] = 0;
      positions.delete(label);
      return true;
    },

    scan(query, k, filter, fetch, among) {
      if (query.length !== dimensions) throw new RangeError(`query has ${query.length} dimensions, expected ${dimensions}`);
      const queryNorm = vectorNorm(query);
      const q = Float64Array.from(query, (x) => (queryNorm > 0 ? x / queryNorm : 0));
      const top = createTopK(k);
      // The filter is caller code: iterate a copy it cannot mutate, and find each label's slot
      // only after the filter ran (it may have moved or removed the label).
      for (const label of [...(among ?? labels)]) {
        if (filter && !filter(label)) continue;
        const at = positions.get(label);
        if (at === undefined) continue;
        if (norms[at] === 0) store(at, fetch(label));
        const base = at * dimensions;
        let dot = 0;
        for (let i = 0; i < dimensions; i++) dot += q[i]! * codes[base + i]!;
        top.offer(label, norms[at]! > 0 ? dot / norms[at]! : 0);
      }
      return top.hits();
    },
  };
}
