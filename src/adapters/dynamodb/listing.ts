import { InvalidCursorError } from '../../domain/errors.js';
import type { Notification, Status } from '../../domain/notification.js';
import type { ListPage } from '../../ports/notification-store.js';
import { BATCH_GET_MAX_KEYS, batchGet, foundKey } from './batch-get.js';
import { encodeCursor } from './cursor.js';
import { createdPartition, everyShard, failedPartition } from './index-partitions.js';
import { newestFirst, queryIndex } from './index-reads.js';
import { type Item, itemKey, mayHaveStatus, toNotification } from './items.js';
import { mapConcurrently } from './map-concurrently.js';
import type { Table } from './table.js';
import { CREATED_INDEX, FAILED_INDEX, ITEM } from './table-schema.js';

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

/** How the non-FAILED listing walks byCreatedMinute; see listByCreatedAt. */
export interface MinuteWalk {
  /** Epoch milliseconds of "now": the first page starts WALK_START_MARGIN_MINUTES after its minute. */
  now: number;
  /** How far back from now the walk goes before it ends; nothing older is retained. */
  lookbackMinutes: number;
  /**
   * The table's epoch (table-epoch.ts, epoch milliseconds): nothing is older, so the walk ends there
   * if that is later than the lookback. Undefined: the table has no notification yet.
   */
  epoch: number | undefined;
  /** The most minute buckets one page examines; a page that reaches it returns a cursor. */
  minutesPerPage: number;
}

/** Starting a minute ahead of "now" tolerates clocks of other processes running slightly ahead. */
const WALK_START_MARGIN_MINUTES = 1;
/** Minutes queried together: the window doubles from 1 while buckets come back empty. */
const MAX_WINDOW_MINUTES = 32;
const QUERY_CONCURRENCY = 32;
/** The most index entries one filtered page checks (BatchGet of their STATE items) before it returns. */
export const MAX_CANDIDATES_PER_PAGE = 1000;

const MINUTE_MS = 60_000;
const CURSOR_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const minuteNumber = (iso: string) => Date.parse(`${iso.slice(0, 16)}:00.000Z`) / MINUTE_MS;
const minuteText = (minute: number) => new Date(minute * MINUTE_MS).toISOString().slice(0, 16);

/**
 * Any other listing, newest created first, walking the byCreatedMinute buckets backwards from the
 * cursor (or from now): each minute's INDEX_SHARDS partitions are read backwards below the boundary,
 * merged, and only those candidates are fetched (BatchGet) and filtered by status. A page ends when
 * `limit` items are collected, after `minutesPerPage` buckets (returning a cursor at the oldest bucket
 * examined, possibly with no items), after MAX_CANDIDATES_PER_PAGE candidates, or, for good (no
 * cursor), once the walk passes the later of now − lookbackMinutes and the table's epoch. A full page always returns a cursor, so the
 * last page may come back empty.
 */
export async function listByCreatedAt(
  table: Table,
  status: Status | undefined,
  limit: number,
  boundary: string | undefined,
  walk: MinuteWalk,
): Promise<ListPage> {
  if (boundary !== undefined && !(CURSOR_MINUTE.test(boundary) && Number.isFinite(minuteNumber(boundary)))) {
    throw new InvalidCursorError();
  }
  if (walk.epoch === undefined) return { items: [] };
  const nowMinute = Math.floor(walk.now / MINUTE_MS);
  const oldestMinute = Math.max(nowMinute - walk.lookbackMinutes, Math.floor(walk.epoch / MINUTE_MS));
  let below = boundary;
  // A boundary of a bare minute means "that minute is done"; a sort key continues inside its minute.
  let minute =
    boundary === undefined
      ? nowMinute + WALK_START_MARGIN_MINUTES
      : minuteNumber(boundary) - (boundary.length > 16 ? 0 : 1);
  let minutesLeft = walk.minutesPerPage;
  let candidatesLeft = MAX_CANDIDATES_PER_PAGE;
  let window = 1;
  const items: Notification[] = [];

  while (minute >= oldestMinute) {
    if (minutesLeft <= 0 || candidatesLeft <= 0) {
      return { items, nextCursor: encodeCursor(status, below ?? minuteText(minute + 1)) };
    }
    const need = limit - items.length;
    const perPartition = Math.min(status === undefined ? need : Math.max(need, 25), candidatesLeft);
    const minutes = Array.from(
      { length: Math.min(window, minutesLeft, minute - oldestMinute + 1) },
      (_, i) => minute - i,
    );
    const partitions = minutes.flatMap((m) => everyShard((shard) => createdPartition(minuteText(m), shard)));
    const read = await mapConcurrently(partitions, QUERY_CONCURRENCY, (partition) =>
      queryIndex(table, CREATED_INDEX, partition, { below, ascending: false, limit: perPartition }),
    );
    // A partition that filled its limit may hold more below its last entry: only entries at or above
    // the highest such last entry are known to be complete, the rest is read again next round.
    let horizon: string | undefined;
    for (const entries of read) {
      const last = entries.at(-1);
      if (entries.length >= perPartition && last && (horizon === undefined || last.sortKey > horizon)) {
        horizon = last.sortKey;
      }
    }
    const candidates = read
      .flat()
      .filter((entry) => horizon === undefined || entry.sortKey >= horizon)
      .sort(newestFirst);

    let checked = 0;
    while (checked < candidates.length && candidatesLeft > 0) {
      const size = status === undefined ? limit - items.length : Math.max(limit - items.length, 25);
      const chunk = candidates.slice(checked, checked + Math.min(size, candidatesLeft, BATCH_GET_MAX_KEYS));
      const notifications = await fetchNotifications(
        table,
        chunk.map((entry) => entry.pk),
        status,
      );
      for (const entry of chunk) {
        below = entry.sortKey;
        checked++;
        candidatesLeft--;
        const notification = notifications.get(entry.pk);
        if (!notification) continue;
        items.push(notification);
        if (items.length === limit) return { items, nextCursor: encodeCursor(status, entry.sortKey) };
      }
    }

    if (horizon === undefined && checked === candidates.length) {
      // Every bucket of the window is done: continue with older minutes, in a larger window.
      const oldest = minute - minutes.length + 1;
      below = minuteText(oldest);
      minutesLeft -= minutes.length;
      minute = oldest - 1;
      window = Math.min(window * 2, MAX_WINDOW_MINUTES);
    } else if (below !== undefined) {
      // Continue below the last candidate checked, from its minute; the newer buckets are done.
      const next = minuteNumber(below);
      minutesLeft -= minute - next;
      minute = next;
    }
  }
  return { items };
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
    wanted = pks.filter((pk) => mayHaveStatus(states.get(foundKey(pk, ITEM.state)), status));
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
