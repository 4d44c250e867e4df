import { clamp01, recencyDecay } from '../memory/policy.js';
import type { Candidate } from './types.js';

/**
 * Ranking score of a candidate for context packing:
 *
 *   score = relevance × (0.5 + 0.5·importance) × (0.5 + 0.5·0.5^(age / halfLife)),  age = now − createdAt
 *
 * Relevance (the fused recall score when the candidate has one, else its cosine similarity)
 * dominates; importance and recency can each at most halve it.
 * A bare decay factor would push a highly relevant year-old fact below any fresh trivia, so both
 * weights have a floor of 0.5. Age is taken from createdAt (how fresh the information is): access
 * recency is the tier policy's business, and recall itself touches lastAccessedAt.
 */
export function rankScore(candidate: Candidate, now: number, halfLifeMs: number): number {
  const importanceWeight = 0.5 + 0.5 * clamp01(candidate.importance);
  const recencyWeight = 0.5 + 0.5 * recencyDecay(now - candidate.createdAt, halfLifeMs);
  return clamp01(candidate.fusedScore ?? candidate.relevance) * importanceWeight * recencyWeight;
}

export interface RankedCandidate {
  readonly candidate: Candidate;
  readonly score: number;
  /** 0-based position in the ranking. */
  readonly rank: number;
}

/** Best first; ties broken by relevance, then id, so the order is deterministic. */
export function rankCandidates(candidates: readonly Candidate[], now: number, halfLifeMs: number): RankedCandidate[] {
  // Scores computed once into typed arrays: the comparator runs n log n times over up to 10k candidates.
  const scores = Float64Array.from(candidates, (c) => rankScore(c, now, halfLifeMs));
  const relevance = Float64Array.from(candidates, (c) => clamp01(c.relevance));
  const order = Uint32Array.from(candidates, (_, i) => i).sort((a, b) => {
    const ca = candidates[a]!;
    const cb = candidates[b]!;
    return scores[b]! - scores[a]! || relevance[b]! - relevance[a]! || (ca.id < cb.id ? -1 : ca.id > cb.id ? 1 : 0);
  });
  return Array.from(order, (i, rank) => ({ candidate: candidates[i]!, score: scores[i]!, rank }));
}
