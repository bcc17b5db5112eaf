import type { ListFilter } from '../ports/notification-store.js';

/**
 * The cursor scope (cursor.ts) of a notification listing: its filter in one canonical form, so a
 * cursor is accepted only by the listing of exactly the filters it was issued for, whatever order
 * the statuses were given in.
 */
export function listingScope(filter: ListFilter): string {
  const statuses = [...new Set(filter.statuses ?? [])].sort();
  return `notifications:${JSON.stringify([
    statuses,
    filter.destination ?? null,
    filter.createdAfter ?? null,
    filter.createdBefore ?? null,
  ])}`;
}

/** Whether a notification with these fields passes the filter: the one definition both stores test against. */
export function matchesFilter(
  filter: ListFilter,
  notification: { status: string; destination: string; createdAt: string },
): boolean {
  const statuses = filter.statuses ?? [];
  return (
    (statuses.length === 0 || (statuses as readonly string[]).includes(notification.status)) &&
    (filter.destination === undefined || notification.destination === filter.destination) &&
    (filter.createdAfter === undefined || notification.createdAt >= filter.createdAfter) &&
    (filter.createdBefore === undefined || notification.createdAt < filter.createdBefore)
  );
}
