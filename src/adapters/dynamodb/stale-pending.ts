import { BATCH_GET_MAX_KEYS, batchGet, foundKey } from './batch-get.js';
import { createdPartition, everyShard, reopenedPartition } from './index-partitions.js';
import { oldestFirst, queryIndex } from './index-reads.js';
import { idOfKey, itemKey } from './items.js';
import { mapConcurrently } from './map-concurrently.js';
import type { Table } from './table.js';
import { CREATED_INDEX, FAILED_INDEX, ITEM } from './table-schema.js';

const QUERY_CONCURRENCY = 16;

/**
 * Ids of notifications still PENDING since before `olderThan`, oldest first: those created in the
 * `windowMinutes` before it that never got a STATE item, and those reopened before it and still PENDING.
 */
export async function listStalePending(
  table: Table,
  olderThan: string,
  limit: number,
  windowMinutes: number,
): Promise<string[]> {
  const cutoff = Date.parse(olderThan);
  if (limit <= 0 || Number.isNaN(cutoff)) return [];
  const firstMinute = Math.floor((cutoff - windowMinutes * 60_000) / 60_000) * 60_000;
  const partitions: { index: typeof CREATED_INDEX | typeof FAILED_INDEX; partition: string }[] = [];
  for (let minute = firstMinute; minute <= cutoff; minute += 60_000) {
    const time = new Date(minute).toISOString();
    partitions.push(...everyShard((shard) => ({ index: CREATED_INDEX, partition: createdPartition(time, shard) })));
  }
  partitions.push(...everyShard((shard) => ({ index: FAILED_INDEX, partition: reopenedPartition(shard) })));

  // Sort keys start with the time that counts (createdAt, or the reopen time), so `< olderThan` on
  // the key is `< olderThan` on the time, and sorting by key is oldest first.
  const found = await mapConcurrently(partitions, QUERY_CONCURRENCY, ({ index, partition }) =>
    queryIndex(table, index, partition, { below: olderThan, ascending: true }).then((entries) =>
      entries.map((entry) => ({ ...entry, reopened: index === FAILED_INDEX })),
    ),
  );
  const candidates = found.flat().sort(oldestFirst);

  const stale: string[] = [];
  for (let start = 0; start < candidates.length && stale.length < limit; start += BATCH_GET_MAX_KEYS) {
    const chunk = candidates.slice(start, start + BATCH_GET_MAX_KEYS);
    const states = await batchGet(
      table,
      chunk.map((candidate) => itemKey(candidate.pk, ITEM.state)),
      false,
    );
    for (const candidate of chunk) {
      const state = states.get(foundKey(candidate.pk, ITEM.state));
      // Fresh ones count only without a STATE item; one that has a PENDING STATE was reopened and
      // is judged by its `P#` entry (by reopen time) instead.
      const isStale = candidate.reopened
        ? state?.status === 'PENDING' && String(state.lastUpdatedAt) < olderThan
        : state === undefined;
      if (!isStale) continue;
      stale.push(idOfKey(candidate.pk));
      if (stale.length === limit) break;
    }
  }
  return stale;
}
