import { InvalidCursorError } from '../../domain/errors.js';
import type { Status } from '../../domain/notification.js';
import type { ListedNotification, ListFilter, ListPage } from '../../ports/notification-store.js';
import { encodeCursor } from '../cursor.js';
import { matchesFilter } from '../listing-scope.js';
import { BATCH_GET_MAX_KEYS, batchGet, foundKey } from './batch-get.js';
import { createdPartition, everyShard, failedPartition } from './index-partitions.js';
import { type IndexEntry, newestFirst, queryIndex } from './index-reads.js';
import { type Item, itemKey, mayHaveStatus, toNotification } from './items.js';
import { mapConcurrently } from './map-concurrently.js';
import type { Table } from './table.js';
import { CREATED_INDEX, FAILED_INDEX, ITEM } from './table-schema.js';

/*
 * Sort keys of both indexes read here are `<createdAt>#<id>` (createdAt as toISOString writes it, all
 * of one length), so created-at bounds are sort-key bounds: `sortKey >= createdAfter` holds exactly
 * when createdAt >= createdAfter, and `sortKey < createdBefore` exactly when createdAt < createdBefore.
 */

/**
 * FAILED only, newest created first: the sparse index's shards, each read backwards from the cursor or
 * `createdBefore`, merged, and cut at `createdAfter`.
 */
export async function listFailed(
  table: Table,
  filter: ListFilter,
  limit: number,
  boundary: string | undefined,
  scope: string,
): Promise<ListPage> {
  const below = boundary ?? filter.createdBefore;
  const lower = filter.createdAfter;
  // One more than the page per shard: more than `limit` merged entries is exactly "there is a next page".
  const perShard = await Promise.all(
    everyShard((shard) =>
      queryIndex(table, FAILED_INDEX, failedPartition(shard), { below, ascending: false, limit: limit + 1 }),
    ),
  );
  const entries = perShard
    .flat()
    .filter((entry) => lower === undefined || entry.sortKey >= lower)
    .sort(newestFirst);
  const page = entries.slice(0, limit);
  const notifications = await fetchNotifications(
    table,
    page.map((entry) => entry.pk),
    { ...filter, statuses: ['FAILED'] },
    page.length,
  );
  const items = page.flatMap((entry) => notifications.get(entry.pk) ?? []);
  const last = page.at(-1);
  return entries.length > limit && last ? { items, nextCursor: encodeCursor(scope, [last.sortKey]) } : { items };
}

/** How the created-order listing walks byCreatedMinute; see listByCreatedAt. */
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
/**
 * The most index entries one page reads: a destination filter passes over other destinations'
 * entries without fetching them, and this bounds that (10,000 entries of ~150 bytes ≈ 190 RCU).
 */
export const MAX_ENTRIES_PER_PAGE = 10_000;
/** Entries read per partition and round when most may be passed over (another destination's). */
const DESTINATION_READ_AHEAD = 100;
/** Likewise when a status filter may drop many of them after the fetch. */
const STATUS_READ_AHEAD = 25;

const MINUTE_MS = 60_000;
const CURSOR_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const minuteNumber = (iso: string) => Date.parse(`${iso.slice(0, 16)}:00.000Z`) / MINUTE_MS;
const minuteText = (minute: number) => new Date(minute * MINUTE_MS).toISOString().slice(0, 16);

/**
 * Any other listing, newest created first, walking the byCreatedMinute buckets backwards from the
 * cursor (or `createdBefore`, or now): each minute's INDEX_SHARDS partitions are read backwards below
 * the boundary and merged; entries of another destination (the index projects `destination`) are
 * passed over unread, and only the rest are fetched (BatchGet, STATE items first under a status
 * filter) and filtered. A page ends when `limit` items are collected, after `minutesPerPage` buckets
 * (returning a cursor at the oldest bucket examined, possibly with no items), after
 * MAX_CANDIDATES_PER_PAGE fetched or MAX_ENTRIES_PER_PAGE read entries, or, for good (no cursor),
 * once the walk passes the latest of now − lookbackMinutes, the table's epoch and `createdAfter`.
 * A full page always returns a cursor, so the last page may come back empty.
 */
export async function listByCreatedAt(
  table: Table,
  filter: ListFilter,
  limit: number,
  boundary: string | undefined,
  walk: MinuteWalk,
  scope: string,
): Promise<ListPage> {
  if (boundary !== undefined && !(CURSOR_MINUTE.test(boundary) && Number.isFinite(minuteNumber(boundary)))) {
    throw new InvalidCursorError();
  }
  if (walk.epoch === undefined) return { items: [] };
  const nowMinute = Math.floor(walk.now / MINUTE_MS);
  const startMinute = nowMinute + WALK_START_MARGIN_MINUTES;
  const lower = filter.createdAfter;
  const oldestMinute = Math.max(
    nowMinute - walk.lookbackMinutes,
    Math.floor(walk.epoch / MINUTE_MS),
    lower === undefined ? Number.NEGATIVE_INFINITY : minuteNumber(lower),
  );
  const before = filter.createdBefore;
  // createdBefore bounds the walk like a cursor, unless it lies beyond where the walk starts anyway.
  let below = boundary ?? (before !== undefined && minuteNumber(before) <= startMinute ? before : undefined);
  // A boundary of a bare minute means "that minute is done"; a sort key continues inside its minute.
  let minute = below === undefined ? startMinute : minuteNumber(below) - (below.length > 16 ? 0 : 1);
  let minutesLeft = walk.minutesPerPage;
  let candidatesLeft = MAX_CANDIDATES_PER_PAGE;
  let entriesLeft = MAX_ENTRIES_PER_PAGE;
  let window = 1;
  const items: ListedNotification[] = [];
  const readAhead =
    filter.destination !== undefined
      ? DESTINATION_READ_AHEAD
      : (filter.statuses ?? []).length > 0
        ? STATUS_READ_AHEAD
        : 0;
  const wanted = (entry: IndexEntry) =>
    filter.destination === undefined || entry.destination === undefined || entry.destination === filter.destination;

  while (minute >= oldestMinute) {
    if (minutesLeft <= 0 || candidatesLeft <= 0 || entriesLeft <= 0) {
      return { items, nextCursor: encodeCursor(scope, [below ?? minuteText(minute + 1)]) };
    }
    const need = limit - items.length;
    const perPartition = Math.min(Math.max(need, readAhead), candidatesLeft);
    const minutes = Array.from(
      { length: Math.min(window, minutesLeft, minute - oldestMinute + 1) },
      (_, i) => minute - i,
    );
    const partitions = minutes.flatMap((m) => everyShard((shard) => createdPartition(minuteText(m), shard)));
    const read = await mapConcurrently(partitions, QUERY_CONCURRENCY, (partition) =>
      queryIndex(table, CREATED_INDEX, partition, { below, ascending: false, limit: perPartition }),
    );
    // A partition that filled its limit may hold more below its last entry: only entries at or above
    // the highest such last entry are known to be complete, the rest is read again next round. One
    // whose last entry is already older than createdAfter holds nothing more of the range.
    let horizon: string | undefined;
    for (const entries of read) {
      entriesLeft -= entries.length;
      const last = entries.at(-1);
      if (
        entries.length >= perPartition &&
        last &&
        (lower === undefined || last.sortKey >= lower) &&
        (horizon === undefined || last.sortKey > horizon)
      ) {
        horizon = last.sortKey;
      }
    }
    const candidates = read
      .flat()
      .filter(
        (entry) =>
          (horizon === undefined || entry.sortKey >= horizon) && (lower === undefined || entry.sortKey >= lower),
      )
      .sort(newestFirst);

    let checked = 0;
    while (checked < candidates.length && candidatesLeft > 0) {
      const size = Math.min(Math.max(limit - items.length, readAhead), candidatesLeft, BATCH_GET_MAX_KEYS);
      // The next `size` entries worth fetching; those of another destination are passed over unread.
      const chunk: IndexEntry[] = [];
      let end = checked;
      while (end < candidates.length && chunk.length < size) {
        const entry = candidates[end++] as IndexEntry;
        if (wanted(entry)) chunk.push(entry);
      }
      candidatesLeft -= chunk.length;
      // The loop below keeps matches in chunk order until the page is full: no more are worth a body.
      const notifications = await fetchNotifications(
        table,
        chunk.map((entry) => entry.pk),
        filter,
        limit - items.length,
      );
      for (; checked < end; checked++) {
        const entry = candidates[checked] as IndexEntry;
        below = entry.sortKey;
        const notification = notifications.get(entry.pk);
        if (!notification) continue;
        items.push(notification);
        if (items.length === limit) return { items, nextCursor: encodeCursor(scope, [entry.sortKey]) };
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

/**
 * The first `max` notifications, in `pks` order, that pass the filter, by pk, without their bodies
 * (a listing reads none from S3 and drops the inline ones); missing or filtered ones are absent.
 */
async function fetchNotifications(
  table: Table,
  pks: string[],
  filter: ListFilter,
  max: number,
): Promise<Map<string, ListedNotification>> {
  const result = new Map<string, ListedNotification>();
  if (pks.length === 0) return result;
  const statuses: readonly Status[] = filter.statuses ?? [];
  const stateKeys = pks.map((pk) => itemKey(pk, ITEM.state));
  const requestKeys = (wanted: string[]) => wanted.map((pk) => itemKey(pk, ITEM.request));

  let items: Map<string, Item>;
  let wanted = pks;
  if (statuses.length === 0) {
    items = await batchGet(table, [...requestKeys(pks), ...stateKeys], false);
  } else {
    // Small STATE items first; only the matches' REQUEST items are worth reading.
    const states = await batchGet(table, stateKeys, false);
    wanted = pks.filter((pk) => statuses.some((status) => mayHaveStatus(states.get(foundKey(pk, ITEM.state)), status)));
    items = states;
    for (const [key, item] of await batchGet(table, requestKeys(wanted), false)) items.set(key, item);
  }
  for (const pk of wanted) {
    if (result.size >= max) break;
    const found = items.get(foundKey(pk, ITEM.request));
    if (!found) continue;
    // A projection would not lower the read's cost (DynamoDB bills the whole item read) and would
    // have to name every other attribute; the inline body is dropped here instead, unparsed.
    const { body: _body, ...request } = found;
    const { body: _none, ...notification } = toNotification(request, items.get(foundKey(pk, ITEM.state)));
    if (matchesFilter(filter, notification)) result.set(pk, notification);
  }
  return result;
}
