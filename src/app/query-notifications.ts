import { HeraldError } from '../domain/errors.js';
import type { DeliveryAttempt, Notification } from '../domain/notification.js';
import type { ListPage, ListQuery } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';

export function notFound(id: string): HeraldError {
  return new HeraldError('NOT_FOUND', `No notification with id ${JSON.stringify(id)}`);
}

export async function getNotification(deps: AppDependencies, id: string): Promise<Notification> {
  const notification = await deps.store.get(id);
  if (!notification) throw notFound(id);
  return notification;
}

export async function listAttempts(deps: AppDependencies, id: string): Promise<DeliveryAttempt[]> {
  const attempts = await deps.store.listAttempts(id);
  if (!attempts) throw notFound(id);
  return attempts;
}

export function listNotifications(deps: AppDependencies, query: ListQuery): Promise<ListPage> {
  return deps.store.list(query);
}
