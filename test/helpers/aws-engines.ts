import { DeleteTableCommand, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { notificationKey } from '../../src/adapters/dynamodb/table-schema.js';
import { S3ObjectStore } from '../../src/adapters/s3/s3-object-store.js';
import type { HeraldQueues, QueueSettings } from '../../src/adapters/sqs/create-queues.js';
import {
  createBodyBucket,
  createHeraldQueues,
  createHeraldTable,
  localDynamoDbClient,
  localS3Client,
  localSqsClient,
  startDynalite,
  startFauxqs,
  startS3rver,
} from '../../src/entrypoints/local/engines.js';

/** The loopback AWS engines live in src (start:aws-local needs them too); tests import them from here. */
export {
  LOCAL_CREDENTIALS_ENV,
  LOCAL_REGION,
  type LocalEngine,
  localBackendEnv,
  localDynamoDbClient,
  localS3Client,
  localSqsClient,
  startDynalite,
  startFauxqs,
  startS3rver,
} from '../../src/entrypoints/local/engines.js';

/**
 * A name unique enough for a per-test table, queue or bucket: lower case, as bucket names must be,
 * and at most 63 characters for a prefix of up to 40.
 */
function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** dynalite, fauxqs and s3rver with a client for each: one set per test file, a table, queue or bucket per test. */
export interface LocalAws {
  dynamoDb: DynamoDBClient;
  sqs: SQSClient;
  s3: S3Client;
  endpoints: { dynamoDb: string; sqs: string; s3: string };
  stop(): Promise<void>;
}

export async function startLocalAws(): Promise<LocalAws> {
  const [dynalite, fauxqs, s3rver] = await Promise.all([startDynalite(), startFauxqs(), startS3rver()]);
  const dynamoDb = localDynamoDbClient(dynalite.endpoint);
  const sqs = localSqsClient(fauxqs.endpoint);
  const s3 = localS3Client(s3rver.endpoint);
  return {
    dynamoDb,
    sqs,
    s3,
    endpoints: { dynamoDb: dynalite.endpoint, sqs: fauxqs.endpoint, s3: s3rver.endpoint },
    async stop() {
      dynamoDb.destroy();
      sqs.destroy();
      s3.destroy();
      await Promise.all([dynalite.stop(), fauxqs.stop(), s3rver.stop()]);
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

export interface TestBucket {
  name: string;
  /** An object store on it, as the AWS backend makes one for HERALD_BODY_BUCKET. */
  objects: S3ObjectStore;
  /** The keys it holds (at most 1,000: tests hold a few). */
  keys(): Promise<string[]>;
  remove(): Promise<void>;
}

/** A body bucket under a new unique name. */
export async function createTestBucket(s3: S3Client, prefix: string): Promise<TestBucket> {
  const name = uniqueName(prefix);
  await createBodyBucket(s3, name);
  const keys = async () =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: name }))).Contents ?? []).map((object) => String(object.Key));
  return {
    name,
    objects: new S3ObjectStore({ client: async () => s3, bucket: name }),
    keys,
    async remove() {
      for (const key of await keys()) await s3.send(new DeleteObjectCommand({ Bucket: name, Key: key }));
      await s3.send(new DeleteBucketCommand({ Bucket: name }));
    },
  };
}

/** How many items the table holds for notification `id`: a strongly consistent read around Herald. */
export async function storedItemCount(dynamoDb: DynamoDBClient, tableName: string, id: string): Promise<number> {
  const stored = await dynamoDb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: notificationKey(id) } },
      ConsistentRead: true,
    }),
  );
  return stored.Count ?? 0;
}

/** The error an AWS service answers when it fails on its side (S3's and SQS's InternalError). */
export const awsInternalError = (): Error =>
  Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
