import type { DeliveryResult, Notification, Status } from './notification.js';
import { nextDelay, parseRetryAfter, type Random, type RetryPolicy } from './retry-policy.js';

export interface AttemptDecision {
  status: Extract<Status, 'SUCCESS' | 'QUEUED' | 'FAILED'>;
  /** Set when status is QUEUED: when the next attempt may start. */
  nextAttemptAt: string | null;
  delayMs: number;
}

/** Attempts counted against the current budget (which a manual retry renews) have reached `maxAttempts`. */
export function isBudgetExhausted(
  notification: Pick<Notification, 'attempts' | 'attemptBudgetStart' | 'maxAttempts'>,
  attempts: number,
): boolean {
  return attempts - notification.attemptBudgetStart >= notification.maxAttempts;
}

/**
 * Where a notification goes after an attempt (docs/design.md §1): SUCCESS on 2xx; FAILED when the outcome
 * is not retryable or the budget is spent; otherwise QUEUED again after a backoff delay.
 */
export function decideAfterAttempt(
  claimed: Pick<Notification, 'attempts' | 'attemptBudgetStart' | 'maxAttempts'>,
  result: DeliveryResult,
  retryAfter: string | null,
  policy: RetryPolicy,
  random: Random,
  now: Date,
): AttemptDecision {
  if (result.success) return { status: 'SUCCESS', nextAttemptAt: null, delayMs: 0 };
  const attempts = claimed.attempts + 1;
  if (!result.retryEligible || isBudgetExhausted(claimed, attempts)) {
    return { status: 'FAILED', nextAttemptAt: null, delayMs: 0 };
  }
  const delayMs = nextDelay(attempts, policy, random, parseRetryAfter(retryAfter, now));
  return { status: 'QUEUED', nextAttemptAt: new Date(now.getTime() + delayMs).toISOString(), delayMs };
}
