import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RecoveryJob } from '../../domain/recovery.js';
import type { RecoveryStore } from '../../ports/recovery-store.js';
import { expiresAtFrom, itemKey } from './items.js';
import { call, conditionalWrite, openTable, type Table } from './table.js';
import { KEY, RECOVERY_PARTITION, TTL_ATTRIBUTE } from './table-schema.js';

/**
 * RecoveryStore on the table's RECOVERY partition (table-schema.ts): one small item per job, its
 * record as JSON beside `version` and `state`. Created with a conditional PutItem (ingest), advanced
 * with a conditional UpdateItem (the sweeper), 1 write unit each; the running ones are one Query of
 * the partition. Jobs expire with the notifications they retried.
 */
export class DynamoDbRecoveryStore implements RecoveryStore {
  private readonly table: Table;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.table = openTable(options.client, options.tableName);
  }

  async create(job: RecoveryJob): Promise<void> {
    await call(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...itemKey(RECOVERY_PARTITION, job.id),
            version: job.version,
            state: job.state,
            record: JSON.stringify(job),
            [TTL_ATTRIBUTE]: expiresAtFrom(job.startedAt),
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': KEY.partition },
        }),
      ),
    );
  }

  async get(id: string): Promise<RecoveryJob | undefined> {
    const output = await call(() =>
      this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: itemKey(RECOVERY_PARTITION, id), ConsistentRead: true }),
      ),
    );
    return output.Item === undefined ? undefined : (JSON.parse(String(output.Item.record)) as RecoveryJob);
  }

  async update(job: RecoveryJob, expectedVersion: number): Promise<RecoveryJob | undefined> {
    const stored: RecoveryJob = { ...job, version: expectedVersion + 1 };
    const updated = await conditionalWrite(() =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: itemKey(RECOVERY_PARTITION, job.id),
          UpdateExpression: 'SET #version = :version, #state = :state, #record = :record',
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version', '#state': 'state', '#record': 'record' },
          ExpressionAttributeValues: {
            ':version': stored.version,
            ':state': stored.state,
            ':record': JSON.stringify(stored),
            ':expected': expectedVersion,
          },
        }),
      ),
    );
    return updated === undefined ? undefined : stored;
  }

  async listRunning(limit: number): Promise<RecoveryJob[]> {
    const output = await call(() =>
      this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: '#pk = :pk',
          FilterExpression: '#state = :running',
          ExpressionAttributeNames: { '#pk': KEY.partition, '#state': 'state' },
          ExpressionAttributeValues: { ':pk': RECOVERY_PARTITION, ':running': 'RUNNING' },
          ConsistentRead: true,
        }),
      ),
    );
    return (output.Items ?? [])
      .map((item) => JSON.parse(String(item.record)) as RecoveryJob)
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0))
      .slice(0, Math.max(0, limit));
  }
}
