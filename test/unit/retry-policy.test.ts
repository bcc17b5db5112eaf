import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextDelay, parseRetryAfter, type RetryPolicy } from '../../src/domain/retry-policy.js';
import { ALMOST_ONE, constantRandom, seededRandom } from '../helpers/seeded-random.js';

const POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 3_600_000 };
const NOW = new Date('2025-01-01T00:00:00.000Z');

const ceilingFor = (attempt: number, policy: RetryPolicy) =>
  Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));

const policyArb = fc
  .record({ baseDelayMs: fc.integer({ min: 1, max: 100_000 }), maxDelayMs: fc.integer({ min: 1, max: 86_400_000 }) })
  .filter((p) => p.baseDelayMs <= p.maxDelayMs);
const unitIntervalArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('nextDelay', () => {
  it('stays within [0, min(max, base·2^(attempt-1))] and is a whole number of ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), policyArb, unitIntervalArb, (attempt, policy, r) => {
        const delay = nextDelay(attempt, policy, constantRandom(r));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceilingFor(attempt, policy));
      }),
    );
  });

  it('doubles the ceiling with each attempt', () => {
    const top = (attempt: number) => nextDelay(attempt, POLICY, constantRandom(ALMOST_ONE));
    expect([1, 2, 3, 4, 5].map(top)).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect(nextDelay(3, POLICY, constantRandom(0))).toBe(0);
  });

  it('reaches the cap and stays there', () => {
    // 1000·2^12 = 4_096_000 is the first ceiling above the 3_600_000 cap.
    expect(nextDelay(12, POLICY, constantRandom(ALMOST_ONE))).toBe(2_048_000);
    for (const attempt of [13, 14, 20, 50, 1000]) {
      expect(nextDelay(attempt, POLICY, constantRandom(ALMOST_ONE))).toBe(POLICY.maxDelayMs);
    }
  });

  it('spreads delays over the whole range (full jitter)', () => {
    const random = seededRandom(20_250_101);
    const ceiling = ceilingFor(5, POLICY);
    const delays = Array.from({ length: 1000 }, () => nextDelay(5, POLICY, random));
    const mean = delays.reduce((sum, d) => sum + d, 0) / delays.length;
    // The mean of 1000 uniform draws has a standard deviation of ~0.9% of the ceiling; 10% is > 10σ.
    expect(Math.abs(mean - ceiling / 2)).toBeLessThan(ceiling * 0.1);
    expect(Math.min(...delays)).toBeLessThan(ceiling * 0.05);
    expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.95);
    expect(new Set(delays).size).toBeGreaterThan(900);
  });

  it('is deterministic for a given seed', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20 }, (_, i) => nextDelay(i + 1, POLICY, random));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  describe('with Retry-After', () => {
    it('never waits less than Retry-After', () => {
      expect(nextDelay(1, POLICY, constantRandom(0), 30_000)).toBe(30_000);
      expect(nextDelay(1, POLICY, constantRandom(ALMOST_ONE), 30_000)).toBe(30_000);
    });

    it('keeps the jittered delay when it is longer than Retry-After', () => {
      expect(nextDelay(10, POLICY, constantRandom(ALMOST_ONE), 5000)).toBe(512_000);
    });

    it('caps Retry-After at maxDelayMs', () => {
      expect(nextDelay(1, POLICY, constantRandom(0), 10 * 3_600_000)).toBe(POLICY.maxDelayMs);
      expect(nextDelay(1, POLICY, constantRandom(0), Number.MAX_SAFE_INTEGER)).toBe(POLICY.maxDelayMs);
    });

    it('is at least min(Retry-After, max) and at most max(ceiling, that floor)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 60 }),
          policyArb,
          unitIntervalArb,
          fc.integer({ min: 0, max: 200_000_000 }),
          (attempt, policy, r, retryAfterMs) => {
            const delay = nextDelay(attempt, policy, constantRandom(r), retryAfterMs);
            const floor = Math.min(retryAfterMs, policy.maxDelayMs);
            expect(delay).toBeGreaterThanOrEqual(floor);
            expect(delay).toBeLessThanOrEqual(Math.max(ceilingFor(attempt, policy), floor));
            expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
          },
        ),
      );
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 5 ', NOW)).toBe(5000);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Thu, 02 Jan 2025 00:00:00 GMT', NOW)).toBe(86_400_000);
  });

  it('reads the obsolete HTTP date forms too', () => {
    expect(parseRetryAfter('Wednesday, 01-Jan-25 00:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Wed Jan  1 00:01:30 2025', NOW)).toBe(90_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
  });

  it('returns null when absent or unreadable', () => {
    expect(parseRetryAfter(null, NOW)).toBeNull();
    for (const garbage of [
      '',
      '   ',
      'soon',
      'later please',
      '1e3',
      '0x10',
      'NaN',
      '-5',
      '1.5',
      'Retry 12',
      'abc 2030',
    ]) {
      expect(parseRetryAfter(garbage, NOW), JSON.stringify(garbage)).toBeNull();
    }
  });
});
