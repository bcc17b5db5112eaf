import { createDynamoDbClient, createSqsClient } from '../adapters/aws-clients.js';
import { DynamoDbStore } from '../adapters/dynamodb/dynamodb-store.js';
import { SqsQueue } from '../adapters/sqs/sqs-queue.js';
import type { HeraldConfig } from '../config.js';
import type { Backend } from './backend.js';

/** DynamoDB + SQS, for the Lambda handlers and for the node server with HERALD_BACKEND=aws. */
export function openAwsBackend(config: HeraldConfig): Backend {
  const { tableName, queueUrl, region = 'us-east-1', dynamoDbEndpoint, sqsEndpoint } = config.aws;
  if (!tableName || !queueUrl) throw new Error('HERALD_TABLE_NAME and HERALD_QUEUE_URL are required');
  const dynamoDb = createDynamoDbClient({ region, endpoint: dynamoDbEndpoint });
  const sqs = createSqsClient({ region, endpoint: sqsEndpoint });
  return {
    store: new DynamoDbStore({ client: dynamoDb, tableName }),
    queue: new SqsQueue({ client: sqs, queueUrl }),
    async close() {
      dynamoDb.destroy();
      sqs.destroy();
    },
  };
}
