import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { HeraldQueues, QueueSettings } from '../../src/adapters/sqs/create-queues.js';
import {
  createHeraldQueues,
  createHeraldTable,
  localDynamoDbClient,
  localSqsClient,
  startDynalite,
  startFauxqs,
} from '../../src/entrypoints/local/engines.js';

/** The loopback AWS engines live in src (start:aws-local needs them too); tests import them from here. */
export {
  LOCAL_CREDENTIALS_ENV,
  LOCAL_REGION,
  type LocalEngine,
  localBackendEnv,
  localDynamoDbClient,
  localSqsClient,
  startDynalite,
  startFauxqs,
} from '../../src/entrypoints/local/engines.js';

/** A name unique enough for a per-test table or queue (both allow [A-Za-z0-9_-]). */
function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** dynalite and fauxqs with a client for each: one pair per test file, a table or queue per test. */
export interface LocalAws {
  dynamoDb: DynamoDBClient;
  sqs: SQSClient;
  endpoints: { dynamoDb: string; sqs: string };
  stop(): Promise<void>;
}

export async function startLocalAws(): Promise<LocalAws> {
  const [dynalite, fauxqs] = await Promise.all([startDynalite(), startFauxqs()]);
  const dynamoDb = localDynamoDbClient(dynalite.endpoint);
  const sqs = localSqsClient(fauxqs.endpoint);
  return {
    dynamoDb,
    sqs,
    endpoints: { dynamoDb: dynalite.endpoint, sqs: fauxqs.endpoint },
    async stop() {
      dynamoDb.destroy();
      sqs.destroy();
      await Promise.all([dynalite.stop(), fauxqs.stop()]);
    },
  };
}

export interface TestTable {
  name: string;
  remove(): Promise<void>;
}

/** Herald's table under a new unique name. */
export async function createTestTable(dynamoDb: DynamoDBClient, prefix: string): Promise<TestTable> {
  const name = uniqueName(prefix);
  await createHeraldTable(dynamoDb, name);
  return {
    name,
    async remove() {
      await dynamoDb.send(new DeleteTableCommand({ TableName: name }));
    },
  };
}

export interface TestQueues extends HeraldQueues {
  remove(): Promise<void>;
}

/** Herald's delivery queue and DLQ under new unique names; by default redriving after five receives. */
export async function createTestQueues(
  sqs: SQSClient,
  prefix: string,
  settings: QueueSettings = { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 },
): Promise<TestQueues> {
  const queues = await createHeraldQueues(sqs, uniqueName(prefix), settings);
  return {
    ...queues,
    async remove() {
      await Promise.all([
        sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queueUrl })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: queues.dlqUrl })),
      ]);
    },
  };
}
