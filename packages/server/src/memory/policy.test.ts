import { expect } from 'chai';
import fc from 'fast-check';
import { ACCESS_SATURATION, belowThresholdBounds, recencyDecay, retentionScore, RETENTION_WEIGHTS } from './policy.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('recencyDecay', () => {
  it('is 1 for a fresh memory and halves every half-life', () => {
    expect(recencyDecay(0, DAY)).to.equal(1);
    expect(recencyDecay(DAY, DAY)).to.be.closeTo(0.5, 1e-12);
    expect(recencyDecay(3 * DAY, DAY)).to.be.closeTo(0.125, 1e-12);
  });

  it('treats a timestamp in the future (clock skew) as age zero', () => {
    expect(recencyDecay(-5 * HOUR, DAY)).to.equal(1);
  });

  it('never decays with an infinite half-life and reaches 0 at infinite age', () => {
    expect(recencyDecay(1e15, Infinity)).to.equal(1);
    expect(recencyDecay(Infinity, DAY)).to.equal(0);
  });

  it('rejects a zero, negative or NaN half-life and a NaN age', () => {
    expect(() => recencyDecay(1, 0)).to.throw(RangeError);
    expect(() => recencyDecay(1, -DAY)).to.throw(RangeError);
    expect(() => recencyDecay(1, Number.NaN)).to.throw(RangeError);
    expect(() => recencyDecay(Number.NaN, DAY)).to.throw(RangeError);
  });

  it('stays in 0..1 and never increases with age', () => {
    const age = fc.double({ min: 0, max: 1e12, noNaN: true });
    fc.assert(
      fc.property(age, age, fc.double({ min: 1, max: 1e10, noNaN: true }), (a, b, halfLife) => {
        const [young, old] = a <= b ? [a, b] : [b, a];
        const dy = recencyDecay(young, halfLife);
        const dOld = recencyDecay(old, halfLife);
        expect(dy).to.be.within(0, 1);
        expect(dOld).to.be.at.most(dy);
      }),
      { numRuns: 200 },
    );
  });
});

describe('retentionScore', () => {
  // A controllable clock: every instant below is relative to this fixed "now".
  const now = Date.UTC(2025, 0, 1);
  const base = { importance: 0.5, createdAt: now - 10 * DAY, lastAccessedAt: now, accessCount: 0, pinned: false };

  it('is 1 for a pinned memory whatever its age or importance', () => {
    expect(retentionScore({ ...base, importance: 0, createdAt: 0, lastAccessedAt: 0, pinned: true }, now, DAY)).to.equal(1);
  });

  it('combines importance, recency of last access and log access count with the documented weights', () => {
    const score = retentionScore({ ...base, importance: 0.8, lastAccessedAt: now - DAY, accessCount: 3 }, now, DAY);
    const expected =
      RETENTION_WEIGHTS.importance * 0.8 +
      RETENTION_WEIGHTS.recency * 0.5 +
      RETENTION_WEIGHTS.access * (2 / Math.log2(1 + ACCESS_SATURATION));
    expect(score).to.be.closeTo(expected, 1e-12);
  });

  it('decays as the clock advances without access', () => {
    const at = (t: number) => retentionScore(base, t, DAY);
    expect(at(now)).to.be.greaterThan(at(now + DAY));
    expect(at(now + DAY)).to.be.greaterThan(at(now + 7 * DAY));
    expect(at(now + 1000 * DAY)).to.be.closeTo(RETENTION_WEIGHTS.importance * 0.5, 1e-9);
  });

  it('falls back to createdAt when the memory was never accessed', () => {
    const never = retentionScore({ ...base, lastAccessedAt: null }, now, DAY);
    const atCreation = retentionScore({ ...base, lastAccessedAt: base.createdAt }, now, DAY);
    expect(never).to.equal(atCreation);
  });

  it('grows with access count but saturates', () => {
    const withCount = (accessCount: number) => retentionScore({ ...base, accessCount }, now, DAY);
    expect(withCount(1)).to.be.greaterThan(withCount(0));
    expect(withCount(10)).to.be.greaterThan(withCount(1));
    expect(withCount(ACCESS_SATURATION)).to.equal(withCount(10_000));
  });

  it('clamps importance outside 0..1 and always stays in 0..1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -2, max: 3, noNaN: true }),
        fc.integer({ min: -5, max: 1e6 }),
        fc.integer({ min: 0, max: 1e11 }),
        (importance, accessCount, age) => {
          const s = retentionScore({ ...base, importance, accessCount, lastAccessedAt: now - age }, now, DAY);
          expect(s).to.be.within(0, 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('belowThresholdBounds', () => {
  it('never excludes a memory whose retention is below the threshold', () => {
    const halfLifeMs = 168 * HOUR;
    const now = 1_000 * DAY;
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 400 * DAY }),
        (threshold, importance, accessCount, age) => {
          const touched = now - age;
          const memory = { importance, createdAt: touched, lastAccessedAt: touched, accessCount, pinned: false };
          const score = retentionScore(memory, now, halfLifeMs);
          if (score >= threshold) return;
          const bounds = belowThresholdBounds(threshold, now, halfLifeMs)!;
          expect(importance).to.be.below(bounds.maxImportance);
          expect(accessCount).to.be.below(bounds.maxAccessCount);
          expect(touched).to.be.below(bounds.touchedBefore);
        },
      ),
    );
  });

  it('lets nothing qualify below a threshold of 0', () => {
    expect(belowThresholdBounds(0, 0, HOUR)).to.equal(null);
  });
});
