import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DestinationSecretStore, DestinationSecrets } from '../../ports/destination-secret-store.js';
import { call, conditionalWrite, openTable, type Table } from './table.js';
import { destinationSecretsKey, KEY } from './table-schema.js';

/**
 * DestinationSecretStore on one item per destination (`DSECRETS#<origin>`, table-schema.ts). Reads
 * are strongly consistent (1 read unit); a write is one conditional PutItem (1 write unit), made only
 * when an operator rotates a key.
 */
export class DynamoDbDestinationSecretStore implements DestinationSecretStore {
  private readonly table: Table;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.table = openTable(options.client, options.tableName);
  }

  async get(destination: string): Promise<DestinationSecrets | undefined> {
    const output = await call(() =>
      this.table.doc.send(
        new GetCommand({ TableName: this.table.name, Key: destinationSecretsKey(destination), ConsistentRead: true }),
      ),
    );
    return output.Item === undefined ? undefined : (JSON.parse(String(output.Item.record)) as DestinationSecrets);
  }

  async put(secrets: DestinationSecrets, expectedVersion: number): Promise<DestinationSecrets | undefined> {
    const stored: DestinationSecrets = { ...secrets, version: expectedVersion + 1 };
    const written = await conditionalWrite(() =>
      this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...destinationSecretsKey(stored.destination),
            version: stored.version,
            record: JSON.stringify(stored),
          },
          ...(expectedVersion === 0
            ? {
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': KEY.partition },
              }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': expectedVersion },
              }),
        }),
      ),
    );
    return written === undefined ? undefined : stored;
  }
}
