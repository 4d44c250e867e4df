// Near-duplicate detection over candidates seen in rank order, so the better-ranked copy is the
// one kept: cosine of embeddings when both sides have one, exact normalised text otherwise.
import { normalizeText } from './sentences.js';
import type { Candidate } from './types.js';

export interface DuplicateDetector {
  /** The id of an earlier admitted candidate this one duplicates; otherwise admits it and returns undefined. */
  admit(candidate: Candidate): string | undefined;
}

interface Kept {
  readonly id: string;
  readonly vector: Float32Array;
  readonly norm: number;
}

export function createDuplicateDetector(threshold: number): DuplicateDetector {
  const byText = new Map<string, string>();
  const kept: Kept[] = [];
  return {
    admit(candidate) {
      const key = normalizeText(candidate.content);
      const sameText = byText.get(key);
      if (sameText !== undefined) return sameText;
      const v = candidate.vector;
      const norm = v === undefined ? 0 : Math.sqrt(dot(v, v));
      if (v !== undefined && norm > 0) {
        for (const k of kept) {
          // Vectors of another dimension come from another model: not comparable, never duplicates.
          if (k.vector.length === v.length && dot(k.vector, v) / (k.norm * norm) > threshold) return k.id;
        }
        kept.push({ id: candidate.id, vector: v, norm });
      }
      byText.set(key, candidate.id);
      return undefined;
    },
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
