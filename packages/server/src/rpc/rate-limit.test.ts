import { expect } from 'chai';
import { createRateLimiter } from './rate-limit.js';

describe('rate limiter', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).to.deep.equal([true, true, true]);
    const refused = limiter.take('a');
    expect(refused.allowed).to.equal(false);
    expect(refused.headers).to.deep.include({ 'retry-after': '1', 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });
    now = 500;
    expect(limiter.take('a').allowed).to.equal(true);
  });

  it('keeps callers apart', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, () => 0);
    expect(limiter.take('a').allowed).to.equal(true);
    expect(limiter.take('b').allowed).to.equal(true);
    expect(limiter.take('a').allowed).to.equal(false);
  });

  it('forgets the least recently seen callers beyond its bound, starting them afresh', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1, maxCallers: 2 }, () => 0);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.take('a').allowed).to.equal(true);
    expect(limiter.take('c').allowed).to.equal(false);
  });
});
