import { BATCH_GET_MAX_KEYS, batchGet, foundKey } from './batch-get.js';
import { createdPartition, everyShard, reopenedPartition } from './index-partitions.js';
import { type IndexEntry, oldestFirst, queryIndex } from './index-reads.js';
import { type Item, idOfKey, itemKey } from './items.js';
import { mapConcurrently } from './map-concurrently.js';
import { advanceWatermark, readWatermarks, type Watermark, type Watermarks } from './sweep-watermark.js';
import type { Table } from './table.js';
import { readEpoch } from './table-epoch.js';
import { CREATED_INDEX, FAILED_INDEX, INDEX_SHARDS, ITEM, RETENTION_DAYS } from './table-schema.js';

const MINUTE_MS = 60_000;
const QUERY_CONCURRENCY = 16;
/** Minute buckets read before their candidates are checked: INDEX_SHARDS Queries each, all in flight at once. */
const MINUTES_PER_STEP = QUERY_CONCURRENCY / INDEX_SHARDS;
/** Where the first sweep of a table without an epoch starts: such a table has no notification yet. */
const FIRST_SWEEP_LOOKBACK_MINUTES = 15;
/**
 * How long after the first pass the recheck walks a minute again: the index lag the sweeper
 * tolerates. Only a notification no write marked for the sweeper (its process died between the
 * REQUEST put and the send) depends on the walk; with the recheck, an index entry that shows up
 * later than the first pass is still found, as long as it shows up within the hour.
 */
export const RECHECK_AFTER_MS = 60 * MINUTE_MS;

/**
 * Ids of notifications still PENDING since before `olderThan`, oldest first: those created after a
 * sweep watermark (sweep-watermark.ts) that never got a STATE item, and those reopened before
 * `olderThan` and still PENDING. Each pass walks at most `minutesPerSweep` minute buckets past its
 * watermark per call; the next call goes on from where it stopped.
 */
export async function listStalePending(
  table: Table,
  olderThan: string,
  limit: number,
  minutesPerSweep: number,
): Promise<string[]> {
  const cutoff = Date.parse(olderThan);
  if (limit <= 0 || Number.isNaN(cutoff)) return [];
  // Sort keys start with the time that counts (createdAt, or the reopen time) in this format, so
  // `< until` on the key is `< olderThan` on the time, and sorting by key is oldest first.
  const until = new Date(cutoff).toISOString();
  const [created, reopened] = await Promise.all([
    staleCreated(table, until, limit, minutesPerSweep),
    staleReopened(table, until, limit),
  ]);
  return [...created, ...reopened]
    .sort(oldestFirst)
    .slice(0, limit)
    .map((entry) => idOfKey(entry.pk));
}

/**
 * Notifications created before `until` that have no STATE item, found by two passes over
 * byCreatedMinute: the first a minute behind (`until`), the recheck an hour behind it. The recheck
 * stops where the first pass stood before this call, so the two never return the same notification.
 */
async function staleCreated(
  table: Table,
  until: string,
  limit: number,
  minutesPerSweep: number,
): Promise<IndexEntry[]> {
  const marks = await readWatermarks(table);
  const checked = marks.checkedBefore;
  const recheckUntil = checked === undefined ? undefined : minIso(isoBefore(until, RECHECK_AFTER_MS), checked);
  const [rechecked, firstSeen] = await Promise.all([
    recheckUntil === undefined
      ? []
      : staleSince(table, marks, 'recheckedBefore', recheckUntil, limit, minutesPerSweep, RECHECK_AFTER_MS),
    staleSince(table, marks, 'checkedBefore', until, limit, minutesPerSweep),
  ]);
  return [...rechecked, ...firstSeen];
}

/**
 * Notifications without a STATE item created from `watermark` on and before `until`, oldest first,
 * at most `limit`; then moves that watermark up to what this call saw with a STATE item. Without a
 * stored watermark the walk starts at the table's first sweep start, or `lookbackMs` before `until`
 * if that is later: the recheck of a table an older sweeper has been sweeping starts an hour back,
 * not at an epoch up to 30 days old whose minutes the first pass has already checked.
 */
async function staleSince(
  table: Table,
  marks: Watermarks,
  watermark: Watermark,
  until: string,
  limit: number,
  minutesPerSweep: number,
  lookbackMs?: number,
): Promise<IndexEntry[]> {
  const stored = marks[watermark];
  const from = stored ?? (await startWithout(table, until, lookbackMs));
  if (from >= until) return [];

  const firstMinute = startOfMinute(Date.parse(from));
  const walkEnd = Math.min(Date.parse(until), firstMinute + minutesPerSweep * MINUTE_MS);
  const stale: IndexEntry[] = [];
  for (let step = firstMinute; step < walkEnd && stale.length < limit; step += MINUTES_PER_STEP * MINUTE_MS) {
    const minutes: number[] = [];
    for (let minute = step; minute < Math.min(step + MINUTES_PER_STEP * MINUTE_MS, walkEnd); minute += MINUTE_MS) {
      minutes.push(minute);
    }
    // The watermark's own minute holds notifications checked before it: they are not read again.
    const candidates = (await createdIn(table, minutes, until)).filter((entry) => entry.sortKey >= from);
    stale.push(...(await checkStates(table, candidates, limit - stale.length, (state) => state === undefined)));
  }

  // Everything before the oldest stale one was seen with a STATE item, so it is where the next sweep
  // starts: an id whose enqueue fails again is looked at again. Without one, this call checked every
  // candidate up to the end of its walk. The STATE reads are eventually consistent: a STATE item
  // not visible yet makes its notification look stale, which only holds the watermark back (and
  // enqueues it twice, which costs a refused claim).
  // The walk relies on the index showing a notification before the pass reaches its createdAt: a
  // minute for the first pass (the sweeper's `olderThan`, sweep-pending.ts), an hour more for the
  // recheck.
  const checkedBefore = stale[0] ? createdAtOf(stale[0]) : new Date(walkEnd).toISOString();
  if (stored === undefined || checkedBefore > stored) await advanceWatermark(table, watermark, checkedBefore);
  return stale;
}

/** Where a pass without a stored watermark starts: see staleSince. */
async function startWithout(table: Table, until: string, lookbackMs: number | undefined): Promise<string> {
  const first = await firstSweepStart(table, until);
  return lookbackMs === undefined ? first : maxIso(first, isoBefore(until, lookbackMs));
}

/**
 * Where a table's first sweep starts: its epoch (nothing was created before it), or a short lookback
 * for a table without one. Never beyond RETENTION_DAYS: older notifications have expired.
 */
async function firstSweepStart(table: Table, until: string): Promise<string> {
  const cutoff = Date.parse(until);
  const epoch = (await readEpoch(table)) ?? cutoff - FIRST_SWEEP_LOOKBACK_MINUTES * MINUTE_MS;
  return new Date(Math.max(epoch, cutoff - RETENTION_DAYS * 24 * 60 * MINUTE_MS)).toISOString();
}

/** The byCreatedMinute entries of these minutes (every shard) created before `until`, oldest first. */
async function createdIn(table: Table, minutes: number[], until: string): Promise<IndexEntry[]> {
  const partitions = minutes.flatMap((minute) =>
    everyShard((shard) => createdPartition(new Date(minute).toISOString(), shard)),
  );
  const found = await mapConcurrently(partitions, QUERY_CONCURRENCY, (partition) =>
    queryIndex(table, CREATED_INDEX, partition, { below: until, ascending: true }),
  );
  return found.flat().sort(oldestFirst);
}

/** Notifications reopened (`P#` partitions) before `until` and still PENDING since then, oldest first. */
async function staleReopened(table: Table, until: string, limit: number): Promise<IndexEntry[]> {
  const found = await mapConcurrently(everyShard(reopenedPartition), QUERY_CONCURRENCY, (partition) =>
    queryIndex(table, FAILED_INDEX, partition, { below: until, ascending: true }),
  );
  // A reopened notification has a PENDING STATE item; a later transition takes it out of `P#`, but the
  // index may lag, so the STATE item decides.
  return checkStates(
    table,
    found.flat().sort(oldestFirst),
    limit,
    (state) => state?.status === 'PENDING' && String(state.lastUpdatedAt) < until,
  );
}

/** The first `limit` candidates, in order, whose STATE item (undefined: none) is stale. */
async function checkStates(
  table: Table,
  candidates: IndexEntry[],
  limit: number,
  isStale: (state: Item | undefined) => boolean,
): Promise<IndexEntry[]> {
  const stale: IndexEntry[] = [];
  for (let start = 0; start < candidates.length && stale.length < limit; start += BATCH_GET_MAX_KEYS) {
    const chunk = candidates.slice(start, start + BATCH_GET_MAX_KEYS);
    const states = await batchGet(
      table,
      chunk.map((candidate) => itemKey(candidate.pk, ITEM.state)),
      false,
    );
    for (const candidate of chunk) {
      if (!isStale(states.get(foundKey(candidate.pk, ITEM.state)))) continue;
      stale.push(candidate);
      if (stale.length === limit) break;
    }
  }
  return stale;
}

const minIso = (a: string, b: string) => (a < b ? a : b);
const maxIso = (a: string, b: string) => (a > b ? a : b);
/** `ms` before the instant `iso`, as ISO 8601. */
const isoBefore = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();

const startOfMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** byCreatedMinute sort keys are `<createdAt>#<id>`. */
const createdAtOf = (entry: IndexEntry) => entry.sortKey.slice(0, entry.sortKey.indexOf('#'));
