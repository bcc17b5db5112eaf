import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Expression } from './expression.js';
import type { Item } from './items.js';
import { call, type Table } from './table.js';
import type { CREATED_INDEX, FAILED_INDEX } from './table-schema.js';
import { KEY } from './table-schema.js';

type Index = typeof CREATED_INDEX | typeof FAILED_INDEX;

/** One KEYS_ONLY index entry: the notification's partition key and its sort key in that index. */
export interface IndexEntry {
  pk: string;
  sortKey: string;
  /** The notification's destination, where the index projects it (byCreatedMinute, REQUEST items since it does). */
  destination?: string;
}

// Both indexes' sort keys start with a time (createdAt, or the reopen time), so key order is time order.
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const oldestFirst = (a: IndexEntry, b: IndexEntry) => compare(a.sortKey, b.sortKey);
export const newestFirst = (a: IndexEntry, b: IndexEntry) => compare(b.sortKey, a.sortKey);

/** One partition of an index, optionally only below a sort key and up to `limit` entries. */
export function queryIndex(
  table: Table,
  index: Index,
  partition: string,
  options: { below: string | undefined; ascending: boolean; limit?: number },
): Promise<IndexEntry[]> {
  return readPages(index, options.limit, (startKey, read) => {
    const e = new Expression();
    const keyCondition = [e.equals(index.partition, partition)];
    if (options.below !== undefined) keyCondition.push(`${e.name(index.sort)} < ${e.value(options.below)}`);
    return table.doc.send(
      new QueryCommand({
        TableName: table.name,
        IndexName: index.name,
        KeyConditionExpression: keyCondition.join(' AND '),
        ScanIndexForward: options.ascending,
        ...(options.limit === undefined ? {} : { Limit: options.limit - read }),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        ...e.attributes(),
      }),
    );
  });
}

/** Follows LastEvaluatedKey page by page until the end, or until `limit` entries are read. */
async function readPages(
  index: Index,
  limit: number | undefined,
  readPage: (startKey: Item | undefined, read: number) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  let startKey: Item | undefined;
  do {
    const output = await call(() => readPage(startKey, entries.length));
    for (const item of output.Items ?? []) {
      const entry: IndexEntry = { pk: String(item[KEY.partition]), sortKey: String(item[index.sort]) };
      if (typeof item.destination === 'string') entry.destination = item.destination;
      entries.push(entry);
    }
    startKey = output.LastEvaluatedKey;
  } while (startKey && (limit === undefined || entries.length < limit));
  return entries;
}
