import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { itemKey } from './items.js';
import { call, conditionalWrite, type Table } from './table.js';
import { KEY, META } from './table-schema.js';

/**
 * How far before the first notification's createdAt the epoch lies. Other processes may insert
 * their first notifications at the same time, and the epoch written may be a little later than
 * theirs: they are listed as long as they are at most this much older.
 */
export const EPOCH_MARGIN_MINUTES = 10;

const epochKey = () => itemKey(META.partition, META.epoch);

/**
 * Writes the table's epoch (table-schema.ts) from a notification's createdAt unless one exists:
 * the epoch (epoch milliseconds) when this call wrote it, undefined when one existed. No TTL and no
 * index attributes: it lives as long as the table.
 */
export async function writeEpoch(table: Table, createdAt: string): Promise<number | undefined> {
  const created = Date.parse(createdAt);
  if (Number.isNaN(created)) return undefined;
  const epoch = created - EPOCH_MARGIN_MINUTES * 60_000;
  const put = await conditionalWrite(() =>
    table.doc.send(
      new PutCommand({
        TableName: table.name,
        Item: { ...epochKey(), [META.attribute]: new Date(epoch).toISOString() },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': KEY.partition },
      }),
    ),
  );
  return put === undefined ? undefined : epoch;
}

/** The table's epoch in epoch milliseconds; undefined while the table has no notification. */
export async function readEpoch(table: Table): Promise<number | undefined> {
  const output = await call(() =>
    table.doc.send(new GetCommand({ TableName: table.name, Key: epochKey(), ConsistentRead: true })),
  );
  const epoch = output.Item?.[META.attribute];
  const ms = typeof epoch === 'string' ? Date.parse(epoch) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}
