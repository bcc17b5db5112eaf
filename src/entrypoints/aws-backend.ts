import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientConfig, createDynamoDbClient, createSqsClient, LazyS3Client } from '../adapters/aws-clients.js';
import { DynamoDbDestinationSecretStore } from '../adapters/dynamodb/dynamodb-destination-secret-store.js';
import { DynamoDbDestinationStore } from '../adapters/dynamodb/dynamodb-destination-store.js';
import { DynamoDbRecoveryStore } from '../adapters/dynamodb/dynamodb-recovery-store.js';
import { DynamoDbStore } from '../adapters/dynamodb/dynamodb-store.js';
import { S3ObjectStore } from '../adapters/s3/s3-object-store.js';
import { RoutedQueue } from '../adapters/sqs/routed-queue.js';
import { SqsQueue } from '../adapters/sqs/sqs-queue.js';
import type { HeraldConfig } from '../config.js';
import type { Logger } from '../ports/logger.js';
import type { Backend } from './backend.js';

export interface AwsBackend extends Backend {
  /**
   * The SDK clients behind the store (DynamoDB, and S3 for its large bodies: made on first use) and
   * the queue, so a host can add SDK middleware to them (call counting, fault injection in tests). The
   * store's DocumentClient shares the DynamoDB client's stack.
   */
  clients: { dynamoDb: DynamoDBClient; sqs: SQSClient; s3: LazyS3Client };
}

/**
 * Workers in other containers change destination records too: a record is trusted this long, so a
 * pause or an opening reaches every worker within it, and a busy container reads each destination
 * about once per period rather than per message.
 */
const DESTINATION_CACHE_MS = 2000;

/**
 * A destination's signing keys, read by a worker in another container, are trusted this long: a key
 * made by ingest signs every worker's deliveries within a minute. Nothing is lost meanwhile, as the
 * keys it replaces keep signing for the rotation window.
 */
const DESTINATION_SECRETS_CACHE_MS = 60_000;

/**
 * DynamoDB + SQS, and S3 for large bodies, for the Lambda handlers and for the node server with
 * HERALD_BACKEND=aws.
 * `credentials`: static ones (local engines); without them the SDK's default chain applies.
 * `logger`: where the adapters report what they survive without failing a caller.
 */
export function openAwsBackend(
  config: HeraldConfig,
  { credentials, logger }: { credentials?: AwsClientConfig['credentials']; logger?: Logger } = {},
): AwsBackend {
  const {
    tableName,
    queueUrl,
    orderedQueueUrl,
    dlqUrl,
    bodyBucket,
    region = 'us-east-1',
    dynamoDbEndpoint,
    sqsEndpoint,
    s3Endpoint,
  } = config.aws;
  if (!tableName || !queueUrl || !bodyBucket) {
    throw new Error('HERALD_TABLE_NAME, HERALD_QUEUE_URL and HERALD_BODY_BUCKET are required');
  }
  const dynamoDb = createDynamoDbClient({ region, endpoint: dynamoDbEndpoint, credentials });
  const sqs = createSqsClient({ region, endpoint: sqsEndpoint, credentials });
  const s3 = new LazyS3Client({ region, endpoint: s3Endpoint, credentials });
  const standard = new SqsQueue({ client: sqs, queueUrl });
  const ordered =
    orderedQueueUrl === undefined ? undefined : new SqsQueue({ client: sqs, queueUrl: orderedQueueUrl, ordered: true });
  const deadLetters = dlqUrl === undefined ? [] : [new SqsQueue({ client: sqs, queueUrl: dlqUrl })];
  const bodyObjects = new S3ObjectStore({ client: () => s3.get(), bucket: bodyBucket });
  return {
    store: new DynamoDbStore({ client: dynamoDb, tableName, logger, bodyObjects }),
    queue: new RoutedQueue(standard, ordered),
    messages: standard,
    ...(ordered === undefined ? {} : { orderedMessages: ordered }),
    deadLetters,
    destinations: new DynamoDbDestinationStore({ client: dynamoDb, tableName }),
    recoveries: new DynamoDbRecoveryStore({ client: dynamoDb, tableName }),
    destinationCacheMs: DESTINATION_CACHE_MS,
    destinationSecrets: new DynamoDbDestinationSecretStore({ client: dynamoDb, tableName }),
    destinationSecretsCacheMs: DESTINATION_SECRETS_CACHE_MS,
    clients: { dynamoDb, sqs, s3 },
    async close() {
      dynamoDb.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}
