// The tier policy in one place: how much a memory deserves to stay in a hot tier (retentionScore),
// the moves maintenance decides from it, and the recency decay context ranking shares, so "how fast
// memories fade" means the same thing everywhere. The configurable values (half-life, thresholds)
// and their defaults are read from the environment by config/tiers.ts; the constants here are not
// configurable. Maintenance (maintenance.ts) only carries the decisions out.
import type { TierConfig } from '../config/index.js';
import type { Tier } from './types.js';

/** x limited to 0..1; NaN counts as 0. */
export function clamp01(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(1, Math.max(0, x));
}

/** 0.5^(age / halfLife): 1 when fresh, 0.5 after one half-life. Future instants (clock skew) count as age 0. */
export function recencyDecay(ageMs: number, halfLifeMs: number): number {
  if (!(halfLifeMs > 0)) throw new RangeError(`halfLifeMs must be > 0, got ${halfLifeMs}`);
  if (Number.isNaN(ageMs)) throw new RangeError('ageMs must be a number, got NaN');
  if (ageMs <= 0) return 1;
  return Math.pow(0.5, ageMs / halfLifeMs);
}

export interface RetentionInput {
  /** 0..1, clamped. */
  readonly importance: number;
  readonly createdAt: number;
  /** Falls back to createdAt when never accessed. */
  readonly lastAccessedAt?: number | null;
  readonly accessCount: number;
  readonly pinned: boolean;
}

/** Weights of the unpinned retention score; they sum to 1 so the score stays in 0..1. */
export const RETENTION_WEIGHTS = { importance: 0.45, recency: 0.35, access: 0.2 } as const;

/** Accesses at which the access term saturates: beyond ~64 reads, more reads say little more. */
export const ACCESS_SATURATION = 64;

/** An agent's WARM memory is a promotion candidate only if it was read within this window. */
export const PROMOTE_WINDOW_MS = 24 * 3_600_000;

/**
 * How much a memory deserves to stay in a hot tier, in 0..1 (pinned → 1):
 *   0.45·importance + 0.35·0.5^(age/halfLife) + 0.2·min(1, log2(1+accessCount)/log2(1+64))
 * where age = now − (lastAccessedAt ?? createdAt): use keeps a memory alive, and the log makes the
 * first few reads count most.
 */
export function retentionScore(memory: RetentionInput, now: number, halfLifeMs: number): number {
  if (memory.pinned) return 1;
  const importance = clamp01(memory.importance);
  const lastTouched = Math.max(memory.lastAccessedAt ?? memory.createdAt, memory.createdAt);
  const recency = recencyDecay(now - lastTouched, halfLifeMs);
  const accesses = Math.max(0, memory.accessCount);
  const access = Math.min(1, Math.log2(1 + accesses) / Math.log2(1 + ACCESS_SATURATION));
  return (
    RETENTION_WEIGHTS.importance * importance +
    RETENTION_WEIGHTS.recency * recency +
    RETENTION_WEIGHTS.access * access
  );
}

/** A move retention decides: memories of tier `from` scoring below `below` go to `to`. */
export interface DownwardMove {
  readonly from: Tier;
  readonly to: Tier;
  readonly below: number;
}

/**
 * The moves down, in the order maintenance applies them: HOT or WARM → COLD below the cold
 * threshold (pinned memories score 1, so they are never archived), then HOT → WARM below the
 * demote threshold.
 */
export function downwardMoves(tiers: TierConfig): readonly DownwardMove[] {
  return [
    { from: 'HOT', to: 'COLD', below: tiers.coldThreshold },
    { from: 'WARM', to: 'COLD', below: tiers.coldThreshold },
    { from: 'HOT', to: 'WARM', below: tiers.hotDemoteThreshold },
  ];
}

/**
 * WARM → HOT: an agent's memory read since `promotionWindowStart(now)` that scores at least the
 * promote threshold; maintenance promotes it only into free HOT capacity.
 */
export function promotes(tiers: TierConfig, score: number): boolean {
  return score >= tiers.hotPromoteThreshold;
}

export function promotionWindowStart(now: number): number {
  return now - PROMOTE_WINDOW_MS;
}

/** Necessary conditions for retentionScore < threshold, as SQL-friendly bounds. */
export interface CandidateBounds {
  readonly maxImportance: number;
  readonly maxAccessCount: number;
  readonly touchedBefore: number;
}

/**
 * Each term of the retention score is ≥ 0, so a score below `threshold` needs every term alone
 * below it: importance < T/w_i; last touch older than halfLife·log2(w_r/T); accesses below
 * (1+64)^(T/w_a) − 1. These bounds (slightly loosened for rounding) narrow the scan to a range of
 * the (tier, last_accessed_at) index; the exact score still decides. Null: no memory can qualify.
 */
export function belowThresholdBounds(threshold: number, now: number, halfLifeMs: number): CandidateBounds | null {
  if (!(threshold > 0)) return null;
  const { importance: wi, recency: wr, access: wa } = RETENTION_WEIGHTS;
  const unbounded = Number.MAX_SAFE_INTEGER;
  return {
    maxImportance: threshold / wi + 1e-9,
    maxAccessCount: threshold > wa ? unbounded : Math.ceil(Math.pow(1 + ACCESS_SATURATION, threshold / wa)) + 1,
    touchedBefore: threshold > wr ? unbounded : Math.ceil(now - halfLifeMs * Math.log2(wr / threshold)) + 1,
  };
}
