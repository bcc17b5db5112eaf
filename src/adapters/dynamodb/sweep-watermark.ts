import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemKey } from './items.js';
import { call, conditionalWrite, type Table } from './table.js';
import { META } from './table-schema.js';

/*
 * The sweeper's two watermarks, attributes of `pk = META, sk = SWEPT`, next to the table's epoch
 * (table-epoch.ts). Each (ISO 8601) says every notification created before it has been seen with a
 * STATE item by one of the sweeper's passes (stale-pending.ts):
 *   checkedBefore    the first pass, a minute behind the sweep;
 *   recheckedBefore  the recheck, an hour behind it, for index entries that showed up late.
 * No TTL and no index attributes: the item lives as long as the table. Each only moves forward, so
 * concurrent sweepers cannot undo each other.
 */

export type Watermark = 'checkedBefore' | 'recheckedBefore';

export type Watermarks = Partial<Record<Watermark, string>>;

const watermarkKey = () => itemKey(META.partition, META.swept);

/** Both stored watermarks; a missing one has not been written yet (the table's first sweep). */
export async function readWatermarks(table: Table): Promise<Watermarks> {
  const output = await call(() =>
    table.doc.send(new GetCommand({ TableName: table.name, Key: watermarkKey(), ConsistentRead: true })),
  );
  const marks: Watermarks = {};
  for (const name of ['checkedBefore', 'recheckedBefore'] as const) {
    const value = output.Item?.[name];
    if (typeof value === 'string') marks[name] = value;
  }
  return marks;
}

/**
 * Moves one watermark to `to` if that is later than the stored one (or none is stored). A failed
 * condition means another sweeper got further: not an error.
 */
export async function advanceWatermark(table: Table, watermark: Watermark, to: string): Promise<void> {
  await conditionalWrite(() =>
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: watermarkKey(),
        UpdateExpression: 'SET #mark = :to',
        ConditionExpression: 'attribute_not_exists(#mark) OR #mark < :to',
        ExpressionAttributeNames: { '#mark': watermark },
        ExpressionAttributeValues: { ':to': to },
      }),
    ),
  );
}
