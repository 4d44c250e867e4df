import { clamp01, recencyDecay } from '../memory/policy.js';
import type { Candidate } from './types.js';

/**
 * Ranking score of a candidate for context packing:
 *
 *   score = relevance × (0.5 + 0.5·importance) × (0.5 + 0.5·0.5^(age / halfLife)),  age = now − createdAt
 *
 * Relevance (the fused recall score) dominates; importance and recency can each at most halve it.
 * A bare decay factor would push a highly relevant year-old fact below any fresh trivia, so both
 * weights have a floor of 0.5. Age is taken from createdAt (how fresh the information is): access
 * recency is the tier policy's business, and recall itself touches lastAccessedAt.
 */
export function rankScore(candidate: Candidate, now: number, halfLifeMs: number): number {
  const importanceWeight = 0.5 + 0.5 * clamp01(candidate.importance);
  const recencyWeight = 0.5 + 0.5 * recencyDecay(now - candidate.createdAt, halfLifeMs);
  return clamp01(candidate.relevance) * importanceWeight * recencyWeight;
}

export interface RankedCandidate {
  readonly candidate: Candidate;
  readonly score: number;
  /** 0-based position in the ranking. */
  readonly rank: number;
}

/** Best first; ties broken by relevance, then id, so the order is deterministic. */
export function rankCandidates(candidates: readonly Candidate[], now: number, halfLifeMs: number): RankedCandidate[] {
  return candidates
    .map((candidate) => ({ candidate, score: rankScore(candidate, now, halfLifeMs) }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        clamp01(b.candidate.relevance) - clamp01(a.candidate.relevance) ||
        (a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0),
    )
    .map((r, rank) => ({ ...r, rank }));
}
