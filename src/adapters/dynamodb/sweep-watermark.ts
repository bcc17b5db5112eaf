import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemKey } from './items.js';
import { call, conditionalWrite, type Table } from './table.js';
import { META } from './table-schema.js';

/*
 * The sweeper's watermark, `pk = META, sk = SWEPT`, next to the table's epoch (table-epoch.ts):
 * attribute `checkedBefore` (ISO 8601) says every notification created before it has been seen with
 * a STATE item, so no sweep needs to look at it again. No TTL and no index attributes: it lives as
 * long as the table. It only moves forward, so concurrent sweepers cannot undo each other.
 */

const CHECKED_BEFORE = 'checkedBefore';

const watermarkKey = () => itemKey(META.partition, META.swept);

/** The stored `checkedBefore`; undefined before the first sweep of the table. */
export async function readWatermark(table: Table): Promise<string | undefined> {
  const output = await call(() =>
    table.doc.send(new GetCommand({ TableName: table.name, Key: watermarkKey(), ConsistentRead: true })),
  );
  const checkedBefore = output.Item?.[CHECKED_BEFORE];
  return typeof checkedBefore === 'string' ? checkedBefore : undefined;
}

/**
 * Moves `checkedBefore` to `to` if that is later than the stored one (or none is stored). A failed
 * condition means another sweeper got further: not an error.
 */
export async function advanceWatermark(table: Table, to: string): Promise<void> {
  await conditionalWrite(() =>
    table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: watermarkKey(),
        UpdateExpression: 'SET #checkedBefore = :to',
        ConditionExpression: 'attribute_not_exists(#checkedBefore) OR #checkedBefore < :to',
        ExpressionAttributeNames: { '#checkedBefore': CHECKED_BEFORE },
        ExpressionAttributeValues: { ':to': to },
      }),
    ),
  );
}
