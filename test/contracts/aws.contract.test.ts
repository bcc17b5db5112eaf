import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { DynamoDbStore } from '../../src/adapters/dynamodb/dynamodb-store.js';
import { SqsQueue } from '../../src/adapters/sqs/sqs-queue.js';
import {
  createHeraldQueues,
  createHeraldTable,
  type LocalEngine,
  localDynamoDbClient,
  localSqsClient,
  startDynalite,
  startFauxqs,
  uniqueName,
} from '../helpers/aws-engines.js';
import { describeQueueContract } from './queue.contract.js';
import { describeStoreContract } from './store.contract.js';

// One engine of each kind per file; every test gets its own table or queue on it.
let dynalite: LocalEngine;
let fauxqs: LocalEngine;
let dynamoDb: DynamoDBClient;
let sqs: SQSClient;

beforeAll(async () => {
  [dynalite, fauxqs] = await Promise.all([startDynalite(), startFauxqs()]);
  dynamoDb = localDynamoDbClient(dynalite.endpoint);
  sqs = localSqsClient(fauxqs.endpoint);
});

afterAll(async () => {
  dynamoDb?.destroy();
  sqs?.destroy();
  await Promise.all([dynalite?.stop(), fauxqs?.stop()]);
});

describeStoreContract('DynamoDbStore on dynalite', async () => {
  const tableName = uniqueName('herald-contract');
  await createHeraldTable(dynamoDb, tableName);
  return {
    store: new DynamoDbStore({ client: dynamoDb, tableName }),
    async cleanup() {
      await dynamoDb.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
});

describeQueueContract('SqsQueue on fauxqs', async () => {
  const { queueUrl, dlqUrl } = await createHeraldQueues(sqs, uniqueName('herald-contract'), {
    maxReceiveCount: 5,
    visibilityTimeoutSeconds: 30,
  });
  return {
    queue: new SqsQueue({ client: sqs, queueUrl }),
    async cleanup() {
      await Promise.all([
        sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl })),
      ]);
    },
  };
});
