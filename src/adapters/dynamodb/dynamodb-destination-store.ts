import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type PutCommandInput, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type DestinationRecord, destinationRecordFromJson, hasOperatorSettings } from '../../domain/destination.js';
import type { DestinationLoad, DestinationPage, DestinationStore } from '../../ports/destination-store.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { expiresAtFrom, itemKey } from './items.js';
import { call, conditionalWrite, openTable, type Table } from './table.js';
import { DESTINATION_PARTITION, KEY, TTL_ATTRIBUTE } from './table-schema.js';

const SCOPE = 'destinations';

/**
 * DestinationStore on the table's DESTINATION partition (table-schema.ts). Reads are strongly
 * consistent (1 read unit: the item is well under 4 KB) because workers decide on them; the
 * DestinationGate caches them for a few seconds, so a busy container reads each destination about
 * once per cache period, not per message. A put is one conditional PutItem (1 write unit).
 *
 * Each put also sets the item's TTL RETENTION_DAYS after it, unless an operator setting keeps the
 * record: one not written for that long expires, at no write of its own. A destination still sent
 * to is written at least once a minute while its deliveries succeed (its `lastSuccessAt`), and on
 * every change of its breaker; one that expires anyway is recorded again by its next write.
 */
export class DynamoDbDestinationStore implements DestinationStore {
  private readonly table: Table;
  private readonly now: () => number;

  constructor(options: { client: DynamoDBClient; tableName: string; now?: () => number }) {
    this.table = openTable(options.client, options.tableName);
    this.now = options.now ?? Date.now;
  }

  async get(destination: string): Promise<DestinationRecord | undefined> {
    const output = await call(() =>
      this.table.doc.send(
        new GetCommand({
          TableName: this.table.name,
          Key: itemKey(DESTINATION_PARTITION, destination),
          ConsistentRead: true,
        }),
      ),
    );
    return output.Item === undefined ? undefined : fromItem(output.Item);
  }

  async list(limit: number, cursor?: string): Promise<DestinationPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, SCOPE, 1)[0];
    const output = await call(() =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': KEY.partition },
          ExpressionAttributeValues: { ':pk': DESTINATION_PARTITION },
          Limit: limit + 1,
          ...(after === undefined ? {} : { ExclusiveStartKey: itemKey(DESTINATION_PARTITION, after) }),
        }),
      ),
    );
    const rows = output.Items ?? [];
    const items = rows.slice(0, limit).map(fromItem);
    const last = items.at(-1);
    if (rows.length <= limit || last === undefined) return { items };
    return { items, nextCursor: encodeCursor(SCOPE, [last.destination]) };
  }

  async put(record: DestinationRecord, expectedVersion: number): Promise<DestinationRecord | undefined> {
    const stored: DestinationRecord = { ...record, version: expectedVersion + 1 };
    const condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': KEY.partition } }
        : {
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    const put = await conditionalWrite(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...itemKey(DESTINATION_PARTITION, record.destination),
            version: stored.version,
            record: JSON.stringify(stored),
            ...(hasOperatorSettings(stored)
              ? {}
              : { [TTL_ATTRIBUTE]: expiresAtFrom(new Date(this.now()).toISOString()) }),
          },
          ...condition,
        }),
      ),
    );
    return put === undefined ? undefined : stored;
  }

  /**
   * Not counted on DynamoDB: a count per destination would need an index entry written on every
   * transition of every notification (docs/design.md, "Destinations").
   */
  async load(): Promise<DestinationLoad> {
    return { waiting: null, inFlight: null };
  }
}

function fromItem(item: Record<string, unknown>): DestinationRecord {
  return destinationRecordFromJson(String(item.record));
}
