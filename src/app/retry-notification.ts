import { HeraldError } from '../domain/errors.js';
import type { Notification } from '../domain/notification.js';
import { isNotificationId } from '../domain/notification-id.js';
import type { ReadOptions } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';
import { enqueueAndMarkQueued, routingOf } from './enqueue.js';
import { assertOwnedBy, notFound, type OwnedBy } from './query-notifications.js';

/**
 * Manual retry (docs/design.md §1): FAILED → PENDING with a fresh attempt budget, then the ingest path.
 * Going through PENDING rather than straight to QUEUED means a failed enqueue is covered by the
 * sweeper exactly as at ingest. `read`: what of the record the caller needs back (bulk recovery needs
 * no body); `ownedBy`: the only caller whose notification may be retried (query-notifications.ts).
 */
export async function retryNotification(
  deps: AppDependencies,
  id: string,
  read: ReadOptions = {},
  ownedBy?: OwnedBy,
): Promise<Notification> {
  if (!isNotificationId(id)) throw notFound(id);
  await assertOwnedBy(deps, id, ownedBy);
  const reopenedAt = deps.clock.now().toISOString();
  const reopened = await deps.store.reopen(id, reopenedAt, read);
  if (!reopened) {
    // Only its status is told.
    const current = await deps.store.get(id, { body: false });
    if (!current) throw notFound(id);
    throw new HeraldError('INVALID_STATE', `Only a FAILED notification can be retried; this one is ${current.status}`);
  }
  deps.logger.info({ notificationId: id, attempts: reopened.attempts }, 'manual retry');
  const status = await enqueueAndMarkQueued(deps, id, reopenedAt, routingOf(reopened));
  return { ...reopened, status };
}
