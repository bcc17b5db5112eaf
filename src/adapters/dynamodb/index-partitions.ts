import type { Expression } from './expression.js';
import { FAILED_INDEX, INDEX_SHARDS } from './table-schema.js';

/*
 * The partition keys of both indexes. byCreatedMinute holds `C#<createdAt minute>#<shard>` on REQUEST
 * items. The sparse `failedByShard` index holds two kinds of partitions: `F#<shard>` (FAILED, sorted by
 * gsi2sk = listSortKey, i.e. newest created first when read backwards) and `P#<shard>` (PENDING
 * after a manual retry, sorted by the reopen time). The second kind is how the sweeper finds a
 * reopened notification whose enqueue failed: it was created long before the sweeper's window.
 * Any transition out of those states removes the attributes again.
 */

/** The shard of an id in both indexes: FNV-1a of the id, so it is stable across processes. */
export function indexShard(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % INDEX_SHARDS;
}

/** byCreatedMinute: the notifications created in the minute of `time` (ISO 8601) on one shard. */
export const createdPartition = (time: string, shard: number) => `C#${time.slice(0, 16)}#${shard}`;
export const failedPartition = (shard: number) => `F#${shard}`;
export const reopenedPartition = (shard: number) => `P#${shard}`;

/** One value per index shard, e.g. every partition of one kind. */
export function everyShard<T>(forShard: (shard: number) => T): T[] {
  return Array.from({ length: INDEX_SHARDS }, (_, shard) => forShard(shard));
}

/** The REMOVE clauses that take a STATE item out of the sparse failedByShard index. */
export function leaveFailedIndex(e: Expression): string[] {
  return [e.name(FAILED_INDEX.partition), e.name(FAILED_INDEX.sort)];
}
