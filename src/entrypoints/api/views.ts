import type { SigningKeyInForce } from '../../app/destination-signing-keys.js';
import type { DestinationStatus } from '../../app/manage-destinations.js';
import { destinationState } from '../../domain/destination.js';
import { redactHeaders } from '../../domain/headers.js';
import type { DeliveryAttempt, Notification } from '../../domain/notification.js';
import type { RecoveryJob } from '../../domain/recovery.js';
import { redactUrl } from '../../domain/redaction.js';
import type { ListedNotification } from '../../ports/notification-store.js';

/**
 * The record as the API shows it: docs/api/openapi.json fields, sensitive header values and secret-looking
 * query parameters of the URL redacted, internals left out.
 */
export function notificationView(n: Notification) {
  return {
    id: n.id,
    caller: n.caller,
    status: n.status,
    url: redactUrl(n.url),
    destination: n.destination,
    method: n.method,
    headers: redactHeaders(n.headers),
    body: n.body,
    idempotencyKey: n.idempotencyKey,
    metadata: n.metadata,
    sign: n.sign,
    orderingKey: n.orderingKey,
    attempts: n.attempts,
    // The budget in force: a manual retry grants maxAttempts more from the attempts already spent.
    maxAttempts: n.attemptBudgetStart + n.maxAttempts,
    timeoutMs: n.timeoutMs,
    createdAt: n.createdAt,
    lastUpdatedAt: n.lastUpdatedAt,
    lastDeliveryAttempt: n.lastDeliveryAttempt,
    nextAttemptAt: n.nextAttemptAt,
    deliveredAt: n.deliveredAt,
    deliveryResult: n.deliveryResult,
  };
}

/** A listing's item: the record without its body (the record by id has it). */
export function listedNotificationView(n: ListedNotification) {
  const { body: _body, ...view } = notificationView({ ...n, body: undefined });
  return view;
}

export function attemptsView(attempts: DeliveryAttempt[]) {
  return { attempts };
}

/** A destination as the API shows it; `inFlight` and `waiting` are null where the backend cannot count them. */
export function destinationView({ record, load, maxConcurrency }: DestinationStatus) {
  return {
    destination: record.destination,
    state: destinationState(record),
    inFlight: load.inFlight,
    waiting: load.waiting,
    consecutiveFailures: record.consecutiveFailures,
    openUntil: record.openUntil,
    retryAfterUntil: record.retryAfterUntil,
    lastSuccessAt: record.lastSuccessAt,
    lastFailureAt: record.lastFailureAt,
    maxConcurrency,
    maxConcurrencyOverride: record.maxConcurrency,
    requestsPerSecond: record.requestsPerSecond,
  };
}

/** A recovery job as the API shows it: its progress, not its internal cursor or version. */
export function recoveryView(job: RecoveryJob) {
  const { id, state, filter, matched, retried, skipped, startedAt, finishedAt, error } = job;
  const counting = job.counting === true;
  return { id, state, filter, counting, matched, retried, skipped, startedAt, finishedAt, error };
}

/** A destination's signing keys in force, newest first (GET …/signing-secret). */
export function signingKeysView(destination: string, keys: SigningKeyInForce[]) {
  return { destination, secrets: keys };
}
