import { redactHeaders } from '../../domain/headers.js';
import type { DeliveryAttempt, Notification } from '../../domain/notification.js';
import { redactUrl } from '../../domain/redaction.js';

/**
 * The record as the API shows it: SPEC.md §4 fields, sensitive header values and secret-looking
 * query parameters of the URL redacted, internals left out.
 */
export function notificationView(n: Notification) {
  return {
    id: n.id,
    status: n.status,
    url: redactUrl(n.url),
    method: n.method,
    headers: redactHeaders(n.headers),
    body: n.body,
    idempotencyKey: n.idempotencyKey,
    metadata: n.metadata,
    attempts: n.attempts,
    maxAttempts: n.maxAttempts,
    timeoutMs: n.timeoutMs,
    createdAt: n.createdAt,
    lastUpdatedAt: n.lastUpdatedAt,
    lastDeliveryAttempt: n.lastDeliveryAttempt,
    nextAttemptAt: n.nextAttemptAt,
    deliveredAt: n.deliveredAt,
    deliveryResult: n.deliveryResult,
  };
}

export function attemptsView(attempts: DeliveryAttempt[]) {
  return { attempts };
}
