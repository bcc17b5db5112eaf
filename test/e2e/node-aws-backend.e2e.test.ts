import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, vi } from 'vitest';
import { LOCAL_ENGINE_CREDENTIALS } from '../../src/adapters/aws-clients.js';
import { loadConfig } from '../../src/config.js';
import { startHerald } from '../../src/entrypoints/node/herald-server.js';
import {
  createHeraldQueues,
  createHeraldTable,
  LOCAL_REGION,
  type LocalEngine,
  localDynamoDbClient,
  localSqsClient,
  startDynalite,
  startFauxqs,
  uniqueName,
} from '../helpers/aws-engines.js';
import { type StartService, TEST_ENV } from '../helpers/services.js';
import { describeDeliveryE2E } from './delivery.suite.js';

// The node server (`npm start`) with HERALD_BACKEND=aws, pointed at DynamoDB and SQS through the
// same variables a container would get: what a team runs against real AWS, here on loopback engines.
let dynalite: LocalEngine;
let fauxqs: LocalEngine;
let dynamoDb: DynamoDBClient;
let sqs: SQSClient;

beforeAll(async () => {
  [dynalite, fauxqs] = await Promise.all([startDynalite(), startFauxqs()]);
  dynamoDb = localDynamoDbClient(dynalite.endpoint);
  sqs = localSqsClient(fauxqs.endpoint);
  // The server's SDK clients take credentials from the default chain, as in a container.
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_ENGINE_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_ENGINE_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  dynamoDb?.destroy();
  sqs?.destroy();
  await Promise.all([dynalite?.stop(), fauxqs?.stop()]);
});

const startNodeOnAws: StartService = async (env = {}) => {
  const name = uniqueName('herald-node-aws');
  await createHeraldTable(dynamoDb, name);
  const queues = await createHeraldQueues(sqs, name, { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
  const config = loadConfig({
    ...TEST_ENV,
    HERALD_BACKEND: 'aws',
    HERALD_TABLE_NAME: name,
    HERALD_QUEUE_URL: queues.queueUrl,
    HERALD_DLQ_URL: queues.dlqUrl,
    AWS_REGION: LOCAL_REGION,
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    ...env,
  });
  const herald = await startHerald(config);
  return {
    baseUrl: herald.url,
    async stop() {
      await herald.stop();
      await dynamoDb.send(new DeleteTableCommand({ TableName: name }));
      await Promise.all([
        sqs.send(new DeleteQueueCommand({ QueueUrl: queues.queueUrl })),
        sqs.send(new DeleteQueueCommand({ QueueUrl: queues.dlqUrl })),
      ]);
    },
  };
};

describeDeliveryE2E('node server, HERALD_BACKEND=aws on dynalite + fauxqs', startNodeOnAws);
