import { loadConfig } from '../../src/config.js';
import { type RunningHerald, startHerald } from '../../src/entrypoints/node/herald-server.js';
import {
  createTestBucket,
  createTestQueues,
  createTestTable,
  LOCAL_REGION,
  type LocalAws,
  localBackendEnv,
} from './aws-engines.js';
import { TEST_ENV } from './services.js';

export interface NodeOnAws {
  herald: RunningHerald;
  /** Stops the server and removes its table, queues and bucket. */
  stop(): Promise<void>;
}

/**
 * The node server (`npm start`) with HERALD_BACKEND=aws on a table, queues and bucket of its own on
 * the loopback engines, configured through the variables a container would get. The caller stubs
 * the local credentials into the environment first: the server's SDK clients use the default chain.
 */
export async function startNodeOnAws(
  aws: LocalAws,
  prefix: string,
  env: Record<string, string> = {},
): Promise<NodeOnAws> {
  const table = await createTestTable(aws.dynamoDb, prefix);
  const queues = await createTestQueues(aws.sqs, prefix);
  const bucket = await createTestBucket(aws.s3, prefix);
  const removeAll = async () => {
    await table.remove();
    await queues.remove();
    await bucket.remove();
  };
  try {
    const herald = await startHerald(
      loadConfig({
        ...TEST_ENV,
        ...localBackendEnv({
          tableName: table.name,
          queues,
          bodyBucket: bucket.name,
          endpoints: aws.endpoints,
          region: LOCAL_REGION,
        }),
        ...env,
      }),
    );
    return {
      herald,
      async stop() {
        await herald.stop();
        await removeAll();
      },
    };
  } catch (error) {
    await removeAll();
    throw error;
  }
}
