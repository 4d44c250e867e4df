// The one recency-decay implementation: the tier policy (retentionScore) and context ranking
// (context/rank.ts) both use it, so "how fast memories fade" means the same thing everywhere.

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

function clamp01(x: number): number {
  if (Number.isNaN(x)) return 0;
  return Math.min(1, Math.max(0, x));
}
