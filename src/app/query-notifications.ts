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
  return notification;
}

export async function listAttempts(deps: AppDependencies, id: string): Promise<DeliveryAttempt[]> {
  if (!isNotificationId(id)) throw notFound(id);
  const attempts = await deps.store.listAttempts(id);
  if (!attempts) throw notFound(id);
  return attempts;
}

export function listNotifications(deps: AppDependencies, query: ListQuery): Promise<ListPage> {
  return deps.store.list(query);
}
