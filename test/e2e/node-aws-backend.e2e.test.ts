import { afterAll, beforeAll, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startHerald } from '../../src/entrypoints/node/herald-server.js';
import {
  createTestBucket,
  createTestQueues,
  createTestTable,
  LOCAL_CREDENTIALS_ENV,
  LOCAL_REGION,
  type LocalAws,
  localBackendEnv,
  startLocalAws,
} from '../helpers/aws-engines.js';
import { type StartService, TEST_ENV } from '../helpers/services.js';
import { describeDeliveryE2E } from './delivery.suite.js';
import { describeSignedDeliveryE2E } from './signed-delivery.suite.js';

// The node server (`npm start`) with HERALD_BACKEND=aws, pointed at DynamoDB and SQS through the
// same variables a container would get: what a team runs against real AWS, here on loopback engines.
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
  // The server's SDK clients take credentials from the default chain, as in a container.
  for (const [name, value] of Object.entries(LOCAL_CREDENTIALS_ENV)) vi.stubEnv(name, value);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await aws?.stop();
});

const startNodeOnAws: StartService = async (env = {}) => {
  const table = await createTestTable(aws.dynamoDb, 'herald-node-aws');
  const queues = await createTestQueues(aws.sqs, 'herald-node-aws');
  const bucket = await createTestBucket(aws.s3, 'herald-node-aws');
  const config = loadConfig({
    ...TEST_ENV,
    ...localBackendEnv({
      tableName: table.name,
      queues,
      bodyBucket: bucket.name,
      endpoints: aws.endpoints,
      region: LOCAL_REGION,
    }),
    ...env,
  });
  const herald = await startHerald(config);
  return {
    baseUrl: herald.url,
    async stop() {
      await herald.stop();
      await table.remove();
      await queues.remove();
      await bucket.remove();
    },
  };
};

describeDeliveryE2E('node server, HERALD_BACKEND=aws on dynalite + fauxqs', startNodeOnAws);
describeSignedDeliveryE2E('node server, HERALD_BACKEND=aws on dynalite + fauxqs', startNodeOnAws);
