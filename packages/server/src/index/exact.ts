// Brute-force cosine search: the ground truth for recall checks and the fallback when a filter
// leaves too few candidates for the HNSW graph to find k of them.
import type { LabeledVector, SearchHit } from './types.js';

/** Higher score first; equal scores by smaller label so results are deterministic. */
export function compareHits(a: SearchHit, b: SearchHit): number {
  return b.score - a.score || a.label - b.label;
}

/** Keeps the k best hits seen, in order; binary insertion beats a heap for the small k of recall. */
export function createTopK(k: number): { offer(label: number, score: number): void; hits(): SearchHit[] } {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const top: SearchHit[] = [];
  return {
    offer(label, score) {
      const hit: SearchHit = { label, distance: 1 - score, score };
      if (top.length === k && compareHits(hit, top[k - 1]!) >= 0) return;
      let lo = 0;
      let hi = top.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareHits(top[mid]!, hit) <= 0) lo = mid + 1;
        else hi = mid;
      }
      top.splice(lo, 0, hit);
      if (top.length > k) top.pop();
    },
    hits: () => top,
  };
}

export function vectorNorm(v: ArrayLike<number>): number {
  let sum = 0;
  for (const x of Array.from(v)) sum += x * x;
  return Math.sqrt(sum);
}

export function exactSearch(query: ArrayLike<number>, candidates: Iterable<LabeledVector>, k: number): SearchHit[] {
  const top = createTopK(k);
  const queryNorm = vectorNorm(query);
  for (const { label, vector } of candidates) {
    if (vector.length !== query.length) {
      throw new RangeError(`vector ${label} has ${vector.length} dimensions, query has ${query.length}`);
    }
    let dot = 0;
    let sum = 0;
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i]!;
      dot += query[i]! * x;
      sum += x * x;
    }
    const denominator = queryNorm * Math.sqrt(sum);
    top.offer(label, denominator > 0 ? dot / denominator : 0);
  }
  return top.hits();
}
