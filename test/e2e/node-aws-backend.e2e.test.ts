import { afterAll, beforeAll, vi } from 'vitest';
import { LOCAL_CREDENTIALS_ENV, type LocalAws, startLocalAws } from '../helpers/aws-engines.js';
import { startNodeOnAws } from '../helpers/node-on-aws.js';
import type { StartService } from '../helpers/services.js';
import { describeDeliveryE2E } from './delivery.suite.js';
import { describeOwnKeySigningE2E, describeSignedDeliveryE2E } from './signed-delivery.suite.js';

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

const startNodeServer: StartService = async (env = {}) => {
  const node = await startNodeOnAws(aws, 'herald-node-aws', env);
  return { baseUrl: node.herald.url, stop: () => node.stop() };
};

describeDeliveryE2E('node server, HERALD_BACKEND=aws on dynalite + fauxqs', startNodeServer);
describeSignedDeliveryE2E('node server, HERALD_BACKEND=aws on dynalite + fauxqs', startNodeServer);
describeOwnKeySigningE2E('node server, HERALD_BACKEND=aws on dynalite + fauxqs', startNodeServer);
