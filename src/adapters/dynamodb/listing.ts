import type { Notification, Status } from '../../domain/notification.js';
import type { ListPage } from '../../ports/notification-store.js';
import { BATCH_GET_MAX_KEYS, batchGet, foundKey } from './batch-get.js';
import { encodeCursor } from './cursor.js';
import { everyShard, failedPartition } from './index-partitions.js';
import { newestFirst, queryIndex, scanCreatedIndex } from './index-reads.js';
import { type Item, itemKey, statusOf, toNotification } from './items.js';
import type { Table } from './table.js';
import { FAILED_INDEX, ITEM } from './table-schema.js';

/** FAILED, newest created first: the sparse index's shards, each read backwards and merged. */
export async function listFailed(table: Table, limit: number, boundary: string | undefined): Promise<ListPage> {
  // One more than the page per shard: more than `limit` merged entries is exactly "there is a next page".
  const perShard = await Promise.all(
    everyShard((shard) =>
      queryIndex(table, FAILED_INDEX, failedPartition(shard), { below: boundary, ascending: false, limit: limit + 1 }),
    ),
  );
  const entries = perShard.flat().sort(newestFirst);
  const page = entries.slice(0, limit);
  const notifications = await fetchNotifications(
    table,
    page.map((entry) => entry.pk),
    'FAILED',
  );
  const items = page.flatMap((entry) => notifications.get(entry.pk) ?? []);
  const last = page.at(-1);
  return entries.length > limit && last ? { items, nextCursor: encodeCursor('FAILED', last.sortKey) } : { items };
}

/**
 * Any other listing, newest created first. This schema has no index ordered across all notifications
 * (byCreatedMinute is partitioned by minute and shard), so this reads the whole KEYS_ONLY index —
 * small entries, one Scan call per MB — sorts it, and fetches only the page's items. Cost grows with
 * the notifications retained (RETENTION_DAYS): fine for an operator's view, not for a hot path.
 * With a status filter, candidates are checked in order until the page is full, so the last page of
 * a filtered listing may come back short or empty with no further cursor.
 */
export async function listByCreatedAt(
  table: Table,
  status: Status | undefined,
  limit: number,
  boundary: string | undefined,
): Promise<ListPage> {
  const candidates = (await scanCreatedIndex(table))
    .filter((entry) => boundary === undefined || entry.sortKey < boundary)
    .sort(newestFirst);

  const items: Notification[] = [];
  let lastIncluded = -1;
  for (let start = 0; start < candidates.length && items.length < limit; ) {
    const size = status === undefined ? limit - items.length : Math.max(limit - items.length, 25);
    const chunk = candidates.slice(start, start + Math.min(size, BATCH_GET_MAX_KEYS));
    const notifications = await fetchNotifications(
      table,
      chunk.map((entry) => entry.pk),
      status,
    );
    for (const [offset, entry] of chunk.entries()) {
      const notification = notifications.get(entry.pk);
      if (!notification) continue;
      items.push(notification);
      lastIncluded = start + offset;
      if (items.length === limit) break;
    }
    start += chunk.length;
  }
  const last = candidates[lastIncluded];
  const more = items.length === limit && lastIncluded < candidates.length - 1;
  return more && last ? { items, nextCursor: encodeCursor(status, last.sortKey) } : { items };
}

/** Notifications by pk, optionally only those in `status`; missing or filtered ones are absent. */
async function fetchNotifications(
  table: Table,
  pks: string[],
  status: Status | undefined,
): Promise<Map<string, Notification>> {
  const result = new Map<string, Notification>();
  if (pks.length === 0) return result;
  const stateKeys = pks.map((pk) => itemKey(pk, ITEM.state));
  const requestKeys = (wanted: string[]) => wanted.map((pk) => itemKey(pk, ITEM.request));

  let items: Map<string, Item>;
  let wanted = pks;
  if (status === undefined) {
    items = await batchGet(table, [...requestKeys(pks), ...stateKeys], false);
  } else {
    // Small STATE items first; only the matches' REQUEST items are worth reading.
    const states = await batchGet(table, stateKeys, false);
    wanted = pks.filter((pk) => statusOf(states.get(foundKey(pk, ITEM.state))) === status);
    items = states;
    for (const [key, item] of await batchGet(table, requestKeys(wanted), false)) items.set(key, item);
  }
  for (const pk of wanted) {
    const request = items.get(foundKey(pk, ITEM.request));
    if (!request) continue;
    const notification = toNotification(request, items.get(foundKey(pk, ITEM.state)));
    if (status === undefined || notification.status === status) result.set(pk, notification);
  }
  return result;
}
