import { HeraldError } from '../domain/errors.js';
import type { DeliveryAttempt, Notification } from '../domain/notification.js';
import { isNotificationId } from '../domain/notification-id.js';
import type { ListPage, ListQuery } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';

/** Not found; an id that is not a UUID is not echoed back (it can be anything, of any length). */
export function notFound(id: string): HeraldError {
  const detail = isNotificationId(id)
    ? `No notification with id ${JSON.stringify(id)}`
    : 'No notification has this id: notification ids are UUIDs';
  return new HeraldError('NOT_FOUND', detail);
}

export async function getNotification(deps: AppDependencies, id: string): Promise<Notification> {
  if (!isNotificationId(id)) throw notFound(id);
  const notification = await deps.store.get(id);
  if (!notification) throw notFound(id);
  return withDestinationHold(deps, notification);
}

export async function listAttempts(deps: AppDependencies, id: string): Promise<DeliveryAttempt[]> {
  if (!isNotificationId(id)) throw notFound(id);
  const attempts = await deps.store.listAttempts(id);
  if (!attempts) throw notFound(id);
  return attempts;
}

export async function listNotifications(deps: AppDependencies, query: ListQuery): Promise<ListPage> {
  const page = await deps.store.list(query);
  return { ...page, items: await Promise.all(page.items.map((n) => withDestinationHold(deps, n))) };
}

/**
 * A notification waiting for a destination that is open or holding for Retry-After is attempted no
 * sooner than the destination allows: its `nextAttemptAt` says so, although no write moved it (a
 * dead vendor's backlog is not rewritten on every opening).
 */
async function withDestinationHold(deps: AppDependencies, notification: Notification): Promise<Notification> {
  if (notification.status !== 'PENDING' && notification.status !== 'QUEUED') return notification;
  const held = await deps.destinations.heldUntil(notification.destination);
  if (held === null) return notification;
  const next = notification.nextAttemptAt === null ? 0 : Date.parse(notification.nextAttemptAt);
  return held.getTime() > next ? { ...notification, nextAttemptAt: held.toISOString() } : notification;
}
