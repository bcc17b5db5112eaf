import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CREATED_INDEX, FAILED_INDEX, KEY, TTL_ATTRIBUTE } from './table-schema.js';

/** The CreateTable request for Herald's table, from table-schema.ts (the CDK stack mirrors it). */
export function heraldTableDefinition(tableName: string): CreateTableCommandInput {
  const stringAttribute = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' as const });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      stringAttribute(KEY.partition),
      stringAttribute(KEY.sort),
      stringAttribute(CREATED_INDEX.partition),
      stringAttribute(CREATED_INDEX.sort),
      stringAttribute(FAILED_INDEX.partition),
      stringAttribute(FAILED_INDEX.sort),
    ],
    KeySchema: [
      { AttributeName: KEY.partition, KeyType: 'HASH' },
      { AttributeName: KEY.sort, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [CREATED_INDEX, FAILED_INDEX].map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partition, KeyType: 'HASH' as const },
        { AttributeName: index.sort, KeyType: 'RANGE' as const },
      ],
      Projection:
        index.projected.length === 0
          ? { ProjectionType: 'KEYS_ONLY' as const }
          : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projected] },
    })),
  };
}

export interface CreateTableOptions {
  /** Give up waiting for ACTIVE after this long. Default 60 s. */
  timeoutMs?: number;
}

/**
 * Creates Herald's table and waits until it and its indexes are ACTIVE, then enables TTL on
 * `expiresAt`. For local engines and tests; in AWS the CDK stack owns the table.
 */
export async function createHeraldTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateTableOptions = {},
): Promise<void> {
  await client.send(new CreateTableCommand(heraldTableDefinition(tableName)));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite does not implement UpdateTimeToLive; expiry is an AWS housekeeping feature nothing tests.
    if ((error as { name?: string }).name !== 'UnknownOperationException') throw error;
  }
}
