import { expect } from 'chai';
import { describe, it } from 'mocha';
import { CortexError } from './errors.js';
import { Code } from '@cortex/proto/google/rpc/code';
import { backoffMs, isRetryable, retryDelayMs, retryPolicy, withRetry, type Idempotency } from './retry.js';

const ALMOST_ONE = 1 - Number.EPSILON;
const fail = (code: Code, retryAfterMs?: number) => new CortexError(code, 'injected', { retryAfterMs });

describe('retry: backoff', () => {
  it('stays within [0, min(maxBackoffMs, initialBackoffMs * 2^(attempt-1))) for every attempt', () => {
    const low = retryPolicy({ initialBackoffMs: 100, maxBackoffMs: 5000 }, () => 0);
    const high = retryPolicy({ initialBackoffMs: 100, maxBackoffMs: 5000 }, () => ALMOST_ONE);
    const ceilings = [100, 200, 400, 800, 1600, 3200, 5000, 5000];
    ceilings.forEach((ceiling, i) => {
      expect(backoffMs(i + 1, low)).to.equal(0);
      expect(backoffMs(i + 1, high)).to.equal(ceiling - 1);
    });
  });

  it('never exceeds maxBackoffMs, even after very many attempts', () => {
    const policy = retryPolicy({ initialBackoffMs: 50, maxBackoffMs: 700 }, () => ALMOST_ONE);
    for (const attempt of [10, 100, 1100, 5000]) expect(backoffMs(attempt, policy)).to.equal(699);
  });

  it('is jittered uniformly by the random source', () => {
    const policy = retryPolicy({ initialBackoffMs: 1000, maxBackoffMs: 1000 }, () => 0.25);
    expect(backoffMs(1, policy)).to.equal(250);
  });

  it('defaults to 3 attempts, 100 ms initial and 5000 ms maximum backoff', () => {
    expect(retryPolicy({ maxAttempts: undefined })).to.include({ maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 5000 });
  });

  it('rejects a policy that cannot work', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).to.throw(RangeError);
    expect(() => retryPolicy({ maxAttempts: 1.5 })).to.throw(RangeError);
    expect(() => retryPolicy({ initialBackoffMs: 500, maxBackoffMs: 100 })).to.throw(RangeError);
    expect(() => retryPolicy({ initialBackoffMs: -1 })).to.throw(RangeError);
  });
});

describe('retry: which failures are retried', () => {
  const table: Array<[Code, Record<Idempotency, boolean>]> = [
    [Code.UNAVAILABLE, { read: true, idempotent: true, unsafe: false }],
    [Code.RESOURCE_EXHAUSTED, { read: true, idempotent: true, unsafe: false }],
    [Code.DEADLINE_EXCEEDED, { read: true, idempotent: false, unsafe: false }],
    [Code.INVALID_ARGUMENT, { read: false, idempotent: false, unsafe: false }],
    [Code.ABORTED, { read: false, idempotent: false, unsafe: false }],
    [Code.INTERNAL, { read: false, idempotent: false, unsafe: false }],
    [Code.UNKNOWN, { read: false, idempotent: false, unsafe: false }],
    [Code.CANCELLED, { read: false, idempotent: false, unsafe: false }],
    [Code.UNAUTHENTICATED, { read: false, idempotent: false, unsafe: false }],
  ];
  for (const [code, expected] of table) {
    it(`${Code[code]}: ${JSON.stringify(expected)}`, () => {
      for (const idempotency of ['read', 'idempotent', 'unsafe'] as const) {
        expect(isRetryable(code, idempotency), idempotency).to.equal(expected[idempotency]);
      }
    });
  }

  it('stops once maxAttempts attempts were made', () => {
    const policy = retryPolicy({ maxAttempts: 3 }, () => 0.5);
    expect(retryDelayMs(fail(Code.UNAVAILABLE), 2, 'read', policy)).to.be.a('number');
    expect(retryDelayMs(fail(Code.UNAVAILABLE), 3, 'read', policy)).to.equal(undefined);
  });

  it('waits at least retry-after on RESOURCE_EXHAUSTED', () => {
    const policy = retryPolicy({ initialBackoffMs: 100, maxBackoffMs: 2000 }, () => 0);
    expect(retryDelayMs(fail(Code.RESOURCE_EXHAUSTED, 1500), 1, 'read', policy)).to.equal(1500);
    expect(retryDelayMs(fail(Code.RESOURCE_EXHAUSTED), 1, 'read', policy)).to.equal(0);
  });

  it('keeps the longer backoff when retry-after is shorter', () => {
    const policy = retryPolicy({ initialBackoffMs: 1000, maxBackoffMs: 2000 }, () => 0.5);
    expect(retryDelayMs(fail(Code.RESOURCE_EXHAUSTED, 10), 1, 'read', policy)).to.equal(500);
  });

  it('gives up when retry-after is longer than maxBackoffMs', () => {
    const policy = retryPolicy({ maxBackoffMs: 2000 });
    expect(retryDelayMs(fail(Code.RESOURCE_EXHAUSTED, 2001), 1, 'read', policy)).to.equal(undefined);
  });
});

describe('retry: withRetry', () => {
  const instant = retryPolicy({ maxAttempts: 4, initialBackoffMs: 0, maxBackoffMs: 0 });
  const failing = (codes: Code[]) => {
    const calls: number[] = [];
    const attempt = async (n: number) => {
      calls.push(n);
      const code = codes[n - 1];
      if (code !== undefined) throw fail(code);
      return 'ok';
    };
    return { calls, attempt };
  };

  it('returns the first success after transient failures', async () => {
    const { calls, attempt } = failing([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]);
    expect(await withRetry(attempt, { policy: instant, idempotency: 'read' })).to.equal('ok');
    expect(calls).to.deep.equal([1, 2, 3]);
  });

  it('throws the last failure once the attempts are used up', async () => {
    const { calls, attempt } = failing(Array<Code>(10).fill(Code.UNAVAILABLE));
    const error = await withRetry(attempt, { policy: instant, idempotency: 'idempotent' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNAVAILABLE });
    expect(calls).to.have.length(4);
  });

  it('makes exactly one attempt of an unsafe call', async () => {
    const { calls, attempt } = failing([Code.UNAVAILABLE]);
    await withRetry(attempt, { policy: instant, idempotency: 'unsafe' }).catch(() => undefined);
    expect(calls).to.deep.equal([1]);
  });

  it('turns whatever an attempt throws into a CortexError', async () => {
    const error = await withRetry(() => Promise.reject(new TypeError('boom')), { policy: instant, idempotency: 'read' }).catch(
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CortexError).and.to.include({ code: Code.UNKNOWN, message: 'boom' });
  });
});
