import { CortexError, ErrorReason } from '../errors.js';

export interface RateLimitSettings {
  /** Sustained calls per second per caller. */
  readonly perSecond: number;
  /** Calls a caller may make at once after being idle. */
  readonly burst: number;
  /** Callers tracked at once; the least recently seen are forgotten beyond it. */
  readonly maxCallers?: number;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Headers for the response: x-ratelimit-limit, -remaining, -reset (seconds), and retry-after when refused. */
  readonly headers: Readonly<Record<string, string>>;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per caller (API-key principal, or peer address when auth is off). Buckets live
 * in a bounded map, so a flood of distinct callers cannot grow memory without limit.
 */
export function createRateLimiter(settings: RateLimitSettings, clock: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  const maxCallers = settings.maxCallers ?? 10_000;

  return {
    take(caller: string): RateLimitDecision {
      const now = clock();
      const bucket = buckets.get(caller) ?? { tokens: settings.burst, updatedAt: now };
      buckets.delete(caller);
      bucket.tokens = Math.min(settings.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * settings.perSecond);
      bucket.updatedAt = now;
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      buckets.set(caller, bucket);
      if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value!);
      const secondsToFull = Math.ceil((settings.burst - bucket.tokens) / settings.perSecond);
      const headers: Record<string, string> = {
        'x-ratelimit-limit': String(settings.burst),
        'x-ratelimit-remaining': String(Math.floor(bucket.tokens)),
        'x-ratelimit-reset': String(secondsToFull),
      };
      if (!allowed) headers['retry-after'] = String(Math.max(1, Math.ceil((1 - bucket.tokens) / settings.perSecond)));
      return { allowed, headers };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

export function rateLimited(caller: string, headers: Readonly<Record<string, string>>): CortexError {
  return new CortexError('RESOURCE_EXHAUSTED', `rate limit exceeded; retry after ${headers['retry-after']} s`, {
    reason: ErrorReason.RATE_LIMITED,
    metadata: { caller, retryAfterSeconds: headers['retry-after'] ?? '1' },
    trailers: headers,
  });
}
