import { HeraldError } from '../domain/errors.js';
import { type Notification, newNotification } from '../domain/notification.js';
import { notificationIdFor } from '../domain/notification-id.js';
import { fingerprintRequest, parseNotificationRequest } from '../domain/request-schema.js';
import type { AppDependencies } from './dependencies.js';
import { enqueueAndMarkQueued } from './enqueue.js';

export interface AcceptResult {
  /** `replayed`: the idempotency key was seen before with the same content; nothing new was stored. */
  outcome: 'created' | 'replayed';
  notification: Notification;
}

/**
 * Ingest (SPEC.md §2): validate, store PENDING, enqueue, mark QUEUED. Once the store has the record
 * the caller is told 202 whatever the queue does: a record left PENDING is enqueued by the sweeper.
 * Only a store failure is the caller's 503.
 */
export async function acceptNotification(
  deps: AppDependencies,
  input: unknown,
  headerIdempotencyKey?: string,
): Promise<AcceptResult> {
  const request = parseNotificationRequest(input, headerIdempotencyKey, deps.defaults);
  const acceptedAt = deps.clock.now();
  const now = acceptedAt.toISOString();
  const notification = newNotification(
    request,
    notificationIdFor(request.idempotencyKey, acceptedAt.getTime()),
    now,
    fingerprintRequest(request),
  );

  const inserted = await deps.store.insert(notification);
  if (!inserted.inserted) {
    if (inserted.existing.requestHash !== notification.requestHash) {
      throw new HeraldError(
        'IDEMPOTENCY_CONFLICT',
        `Idempotency key ${JSON.stringify(request.idempotencyKey)} was already used for a different request`,
      );
    }
    return { outcome: 'replayed', notification: inserted.existing };
  }

  deps.metrics.count('NotificationsAccepted');
  const status = await enqueueAndMarkQueued(deps, notification.id, now);
  return { outcome: 'created', notification: { ...notification, status } };
}
