import { HeraldError } from '../domain/errors.js';
import type { DeliveryAttempt, Notification } from '../domain/notification.js';
import { isNotificationId } from '../domain/notification-id.js';
import type { ListedNotification, ListPage, ListQuery } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';

/** Not found; an id that is not a UUID is not echoed back (it can be anything, of any length). */
export function notFound(id: string): HeraldError {
  const detail = isNotificationId(id)
    ? `No notification with id ${JSON.stringify(id)}`
    : 'No notification has this id: notification ids are UUIDs';
  return new HeraldError('NOT_FOUND', detail);
}

/**
 * The name of the only caller whose notifications a request may see (a send key sees only its own:
 * caller.ts), or undefined for every caller's. Another caller's notification is not found, as if it did
 * not exist: a send key learns nothing of what others send.
 */
export type OwnedBy = string | undefined;

export async function getNotification(deps: AppDependencies, id: string, ownedBy?: OwnedBy): Promise<Notification> {
  if (!isNotificationId(id)) throw notFound(id);
  const notification = await deps.store.get(id);
  if (!notification || (ownedBy !== undefined && notification.caller !== ownedBy)) throw notFound(id);
  return withDestinationHold(deps, notification);
}

/**
 * Throws NOT_FOUND unless the notification exists and was sent by `ownedBy`; nothing to check (no
 * read) when the request may see every caller's. A notification's caller never changes, so what is
 * checked here still holds when the action that follows runs.
 */
export async function assertOwnedBy(deps: AppDependencies, id: string, ownedBy: OwnedBy): Promise<void> {
  if (ownedBy === undefined) return;
  if (!isNotificationId(id)) throw notFound(id);
  const notification = await deps.store.get(id, { body: false });
  if (!notification || notification.caller !== ownedBy) throw notFound(id);
}

export async function listAttempts(deps: AppDependencies, id: string, ownedBy?: OwnedBy): Promise<DeliveryAttempt[]> {
  if (!isNotificationId(id)) throw notFound(id);
  await assertOwnedBy(deps, id, ownedBy);
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
async function withDestinationHold<N extends ListedNotification>(deps: AppDependencies, notification: N): Promise<N> {
  if (notification.status !== 'PENDING' && notification.status !== 'QUEUED') return notification;
  const held = await deps.destinations.heldUntil(notification.destination);
  if (held === null) return notification;
  const next = notification.nextAttemptAt === null ? 0 : Date.parse(notification.nextAttemptAt);
  return held.getTime() > next ? { ...notification, nextAttemptAt: held.toISOString() } : notification;
}
