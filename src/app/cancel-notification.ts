import { HeraldError } from '../domain/errors.js';
import type { Notification } from '../domain/notification.js';
import type { AppDependencies } from './dependencies.js';
import { assertOwnedBy, notFound, type OwnedBy } from './query-notifications.js';

/**
 * An operator stops a notification no attempt has taken yet: PENDING or QUEUED (waiting for a retry
 * too) → CANCELLED, one conditional write. PROCESSING is refused rather than raced: the attempt in
 * flight may already have reached the vendor, and its outcome will be recorded. `ownedBy`: the only
 * caller whose notification may be cancelled (query-notifications.ts).
 */
export async function cancelNotification(deps: AppDependencies, id: string, ownedBy?: OwnedBy): Promise<Notification> {
  await assertOwnedBy(deps, id, ownedBy);
  const cancelled = await deps.store.cancel(id, deps.clock.now().toISOString());
  if (!cancelled) {
    // Only its status is told.
    const current = await deps.store.get(id, { body: false });
    if (!current) throw notFound(id);
    throw new HeraldError(
      'INVALID_STATE',
      `Only a PENDING or QUEUED notification can be cancelled; this one is ${current.status}`,
    );
  }
  deps.metrics.count('NotificationsCancelled');
  deps.logger.info({ notificationId: id, attempts: cancelled.attempts }, 'cancelled by an operator');
  return cancelled;
}
