import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAfterAttempt, isBudgetExhausted } from '../../src/domain/lifecycle.js';
import type { DeliveryResult } from '../../src/domain/notification.js';
import type { RetryPolicy } from '../../src/domain/retry-policy.js';
import { makeResult, makeSuccessResult } from '../helpers/notifications.js';
import { ALMOST_ONE, constantRandom, seededRandom } from '../helpers/seeded-random.js';

const NOW = new Date('2025-01-01T00:00:00.000Z');
const POLICY: RetryPolicy = { baseDelayMs: 1000, maxDelayMs: 3_600_000 };

const SUCCESS = makeSuccessResult();
const RETRYABLE = makeResult();
const NOT_RETRYABLE = makeResult({ retryEligible: false, category: 'CLIENT_ERROR', statusCode: 404 });

const fresh = (attempts: number, maxAttempts = 5, attemptBudgetStart = 0) => ({
  attempts,
  maxAttempts,
  attemptBudgetStart,
});

const decide = (claimed: ReturnType<typeof fresh>, outcome: DeliveryResult, retryAfter: string | null = null) =>
  decideAfterAttempt(claimed, outcome, retryAfter, POLICY, seededRandom(1), NOW);

describe('decideAfterAttempt', () => {
  it('SUCCESS on a 2xx, even on the last attempt of the budget', () => {
    expect(decide(fresh(0), SUCCESS)).toEqual({ status: 'SUCCESS', nextAttemptAt: null, delayMs: 0 });
    expect(decide(fresh(4, 5), SUCCESS)).toEqual({ status: 'SUCCESS', nextAttemptAt: null, delayMs: 0 });
  });

  it('FAILED on a non-retryable outcome, however many attempts are left', () => {
    expect(decide(fresh(0, 25), NOT_RETRYABLE)).toEqual({ status: 'FAILED', nextAttemptAt: null, delayMs: 0 });
    const blocked = makeResult({ retryEligible: false, category: 'BLOCKED_TARGET', statusCode: null });
    expect(decide(fresh(0, 25), blocked).status).toBe('FAILED');
  });

  it('FAILED once the attempt just made spends the budget', () => {
    expect(decide(fresh(3, 5), RETRYABLE).status).toBe('QUEUED'); // attempt 4 of 5
    expect(decide(fresh(4, 5), RETRYABLE)).toEqual({ status: 'FAILED', nextAttemptAt: null, delayMs: 0 });
    expect(decide(fresh(0, 1), RETRYABLE).status).toBe('FAILED'); // a single attempt allowed
  });

  it('a manual retry renews the budget from attemptBudgetStart', () => {
    // Failed after 5 of 5 attempts, then retried by an operator: 5 more attempts, counted from 5.
    expect(decide(fresh(5, 5, 5), RETRYABLE).status).toBe('QUEUED'); // attempt 6 = 1st of the new budget
    expect(decide(fresh(8, 5, 5), RETRYABLE).status).toBe('QUEUED'); // attempt 9 = 4th
    expect(decide(fresh(9, 5, 5), RETRYABLE).status).toBe('FAILED'); // attempt 10 = 5th: spent again
  });

  it('FAILED exactly when attempts + 1 - attemptBudgetStart >= maxAttempts (retryable outcomes)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 25 }),
        (budgetStart, sinceStart, maxAttempts) => {
          const claimed = fresh(budgetStart + sinceStart, maxAttempts, budgetStart);
          const spent = claimed.attempts + 1 - budgetStart >= maxAttempts;
          expect(isBudgetExhausted(claimed, claimed.attempts + 1)).toBe(spent);
          expect(decide(claimed, RETRYABLE).status).toBe(spent ? 'FAILED' : 'QUEUED');
        },
      ),
    );
  });

  it('QUEUED with nextAttemptAt = now + delayMs, the delay within the backoff for the attempt just made', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 2 ** 31 }), (attempts, seed) => {
        const decision = decideAfterAttempt(fresh(attempts, 25), RETRYABLE, null, POLICY, seededRandom(seed), NOW);
        const ceiling = Math.min(POLICY.maxDelayMs, POLICY.baseDelayMs * 2 ** attempts);
        expect(decision.status).toBe('QUEUED');
        expect(decision.delayMs).toBeGreaterThanOrEqual(0);
        expect(decision.delayMs).toBeLessThanOrEqual(ceiling);
        expect(decision.nextAttemptAt).toBe(new Date(NOW.getTime() + decision.delayMs).toISOString());
      }),
    );
  });

  it('the first retry waits at most the base delay, the third at most 4×', () => {
    const top = (attempts: number) =>
      decideAfterAttempt(fresh(attempts), RETRYABLE, null, POLICY, constantRandom(ALMOST_ONE), NOW);
    expect(top(0)).toEqual({ status: 'QUEUED', delayMs: 1000, nextAttemptAt: '2025-01-01T00:00:01.000Z' });
    expect(top(2)).toEqual({ status: 'QUEUED', delayMs: 4000, nextAttemptAt: '2025-01-01T00:00:04.000Z' });
  });

  describe('Retry-After', () => {
    const rateLimited = makeResult({ category: 'RATE_LIMITED', statusCode: 429 });
    const withZeroJitter = (retryAfter: string | null) =>
      decideAfterAttempt(fresh(0), rateLimited, retryAfter, POLICY, constantRandom(0), NOW);

    it('in seconds is a floor for the delay', () => {
      expect(withZeroJitter('120')).toEqual({
        status: 'QUEUED',
        delayMs: 120_000,
        nextAttemptAt: '2025-01-01T00:02:00.000Z',
      });
    });

    it('as an HTTP date is a floor for the delay', () => {
      expect(withZeroJitter('Wed, 01 Jan 2025 00:05:00 GMT')).toMatchObject({
        delayMs: 300_000,
        nextAttemptAt: '2025-01-01T00:05:00.000Z',
      });
    });

    it('is capped at maxDelayMs', () => {
      expect(withZeroJitter('999999999').delayMs).toBe(POLICY.maxDelayMs);
    });

    it('is ignored when unreadable, and does not keep a spent budget alive', () => {
      expect(withZeroJitter('whenever').delayMs).toBe(0);
      const last = decideAfterAttempt(fresh(4, 5), rateLimited, '60', POLICY, constantRandom(0), NOW);
      expect(last.status).toBe('FAILED');
    });
  });
});
