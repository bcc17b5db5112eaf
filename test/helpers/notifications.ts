import { randomUUID } from 'node:crypto';
import type { DeliveryAttempt, Notification } from '../../src/domain/notification.js';

/** A valid, freshly ingested PENDING notification; `createdAt` and `lastUpdatedAt` are equal. */
export function makeNotification(overrides: Partial<Notification> = {}): Notification {
  const now = overrides.createdAt ?? new Date().toISOString();
  return {
    id: randomUUID(),
    status: 'PENDING',
    url: 'http://127.0.0.1:9/hook',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: { event: 'test' },
    idempotencyKey: null,
    maxAttempts: 3,
    timeoutMs: 5000,
    metadata: null,
    attempts: 0,
    createdAt: now,
    lastUpdatedAt: now,
    lastDeliveryAttempt: null,
    nextAttemptAt: null,
    deliveredAt: null,
    deliveryResult: null,
    requestHash: 'test-request-hash',
    attemptBudgetStart: 0,
    leaseExpiresAt: null,
    ...overrides,
  };
}

/** A delivery attempt; by default the first one, answered 503 (retryable). */
export function makeAttempt(overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    attempt: 1,
    success: false,
    retryEligible: true,
    category: 'SERVER_ERROR',
    statusCode: 503,
    statusText: 'Service Unavailable',
    responseTime: 12,
    errorDetails: { code: 'HTTP_503', message: 'Vendor answered 503', category: 'SERVER_ERROR', responseBody: 'busy' },
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    ...overrides,
  };
}

/** A successful attempt (2xx). */
export function makeSuccessAttempt(overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return makeAttempt({
    success: true,
    retryEligible: false,
    category: 'SUCCESS',
    statusCode: 200,
    statusText: 'OK',
    errorDetails: null,
    ...overrides,
  });
}
