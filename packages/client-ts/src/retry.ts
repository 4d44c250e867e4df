import { setTimeout as sleep } from 'node:timers/promises';
import { CortexError } from './errors.js';
import { Code } from '@cortex/proto/google/rpc/code';

/**
 * How safe a call is to repeat after a failure whose outcome is unknown, as proto/ declares it
 * (see idempotency.ts):
 * - `read`: changes nothing, so any repeat is harmless (NO_SIDE_EFFECTS);
 * - `idempotent`: a write whose repeat leaves the same result (IDEMPOTENT, or a request that meets
 *   its RPC's idempotent_when_set: Remember with ids, Forget by ids);
 * - `unsafe`: a repeat could apply the change twice or fail spuriously; never retried.
 */
export type Idempotency = 'read' | 'idempotent' | 'unsafe';

export interface RetryOptions {
  /** Attempts in total, first one included (default 3; 1 turns retries off). */
  readonly maxAttempts?: number;
  /** Cap of the first backoff (default 100 ms); doubles with every attempt. */
  readonly initialBackoffMs?: number;
  /**
   * Cap of any backoff (default 5000 ms). A `retry-after` longer than this is not waited for:
   * the call fails and the caller finds the delay in `CortexError.retryAfterMs`.
   */
  readonly maxBackoffMs?: number;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Uniform in [0, 1); injectable so backoff is deterministic in tests. */
  readonly random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 5000,
  random: Math.random,
};

export function retryPolicy(options: RetryOptions = {}, random: () => number = Math.random): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(options), random };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  if (!(policy.initialBackoffMs >= 0) || !(policy.maxBackoffMs >= policy.initialBackoffMs)) {
    throw new RangeError(
      `retry backoff must satisfy 0 <= initialBackoffMs <= maxBackoffMs, got ${policy.initialBackoffMs} and ${policy.maxBackoffMs}`,
    );
  }
  return policy;
}

/** The only codes worth another attempt, by how safe the call is to repeat. */
const RETRYABLE: Readonly<Record<Idempotency, ReadonlySet<Code>>> = {
  read: new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED, Code.DEADLINE_EXCEEDED]),
  idempotent: new Set([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]),
  unsafe: new Set(),
};

export function isRetryable(code: Code, idempotency: Idempotency): boolean {
  return RETRYABLE[idempotency].has(code);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, initial * 2^(attempt-1))). */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * How long to wait before attempt `attempt + 1` after `error`, or undefined when the call must
 * fail now: attempts used up, a code not retryable for this call, or a `retry-after` longer
 * than the policy's longest wait.
 */
export function retryDelayMs(
  error: CortexError,
  attempt: number,
  idempotency: Idempotency,
  policy: RetryPolicy,
): number | undefined {
  if (attempt >= policy.maxAttempts || !isRetryable(error.code, idempotency)) return undefined;
  const backoff = backoffMs(attempt, policy);
  if (error.code !== Code.RESOURCE_EXHAUSTED || error.retryAfterMs === undefined) return backoff;
  return error.retryAfterMs > policy.maxBackoffMs ? undefined : Math.max(backoff, error.retryAfterMs);
}

export interface RetryContext {
  readonly policy: RetryPolicy;
  readonly idempotency: Idempotency;
  /** Epoch ms by which the whole call, retries included, must be done. */
  readonly deadline?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs `attempt` until it succeeds or `retryDelayMs` says stop. A retry is never started when
 * its backoff would end past the deadline; aborting the signal ends the wait at once.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, context: RetryContext): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (thrown) {
      const error = CortexError.from(thrown);
      const delay = retryDelayMs(error, n, context.idempotency, context.policy);
      if (delay === undefined) throw error;
      if (context.deadline !== undefined && Date.now() + delay >= context.deadline) throw error;
      await sleep(delay, undefined, context.signal ? { signal: context.signal } : {});
    }
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
