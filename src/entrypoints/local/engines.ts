/**
 * In-process, loopback-only AWS engines: dynalite (DynamoDB), fauxqs (SQS) and s3rver (S3), for
 * `start:aws-local` and the tests.
 *
 * The three packages are devDependencies, on purpose: this module is only loaded by `start:aws-local`, a
 * development tool run from a checkout with its dev dependencies installed. The Lambda bundles and
 * `npm start` never import it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import {
  createDynamoDbClient,
  createSqsClient,
  LOCAL_ENGINE_CREDENTIALS,
  s3ClientOptions,
} from '../../adapters/aws-clients.js';
import type { HeraldQueues } from '../../adapters/sqs/create-queues.js';

export { createHeraldTable } from '../../adapters/dynamodb/create-table.js';
export { createBodyBucket } from '../../adapters/s3/create-bucket.js';
export { createHeraldQueues } from '../../adapters/sqs/create-queues.js';

export interface LocalEngine {
  endpoint: string;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}
// dynalite ships CommonJS without type declarations.
const dynalite = createRequire(import.meta.url)('dynalite') as (options?: DynaliteOptions) => Server;

/** dynalite, in memory, on 127.0.0.1 and a free port. Tables become ACTIVE at once. */
export async function startDynalite(): Promise<LocalEngine> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets of clients that were never destroyed would hold close() open.
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface S3rverOptions {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
// s3rver ships CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

/** An engine that keeps its data in a directory of its own, removed when it stops. */
export interface LocalEngineWithFiles extends LocalEngine {
  directory: string;
}

/**
 * s3rver on 127.0.0.1 and a free port, its objects in a new temporary directory (s3rver keeps them on
 * disk), removed on stop. It takes the LOCAL_ENGINE_CREDENTIALS key pair, by path-style URLs.
 */
export async function startS3rver(): Promise<LocalEngineWithFiles> {
  const directory = mkdtempSync(join(tmpdir(), 'herald-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    async stop() {
      // As for dynalite: keep-alive sockets of undestroyed clients would hold close() open.
      server.httpServer?.closeAllConnections();
      try {
        await server.close();
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

/** fauxqs on 127.0.0.1 and a free port (its own `startFauxqs` binds 0.0.0.0). */
export async function startFauxqs(): Promise<LocalEngine> {
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint: address.replace('localhost', '127.0.0.1'), stop: () => app.close() };
}

/** A DynamoDB client for a local engine: fake credentials, short timeouts. */
export function localDynamoDbClient(endpoint: string) {
  return createDynamoDbClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_ENGINE_CREDENTIALS,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 5_000,
  });
}

/** An SQS client for a local engine: fake credentials, short timeouts (raise it per long poll). */
export function localSqsClient(endpoint: string) {
  return createSqsClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_ENGINE_CREDENTIALS,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 5_000,
  });
}

/** An S3 client for a local engine: its credentials, short timeouts, path-style URLs. */
export function localS3Client(endpoint: string) {
  return new S3Client(
    s3ClientOptions({
      region: LOCAL_REGION,
      endpoint,
      credentials: LOCAL_ENGINE_CREDENTIALS,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 5_000,
    }),
  );
}

/**
 * Fake credentials where the SDK's default chain looks first, and no session or profile: local engines
 * check no signatures, and real credentials have no business reaching them.
 */
export const LOCAL_CREDENTIALS_ENV = {
  AWS_ACCESS_KEY_ID: LOCAL_ENGINE_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_ENGINE_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
} satisfies NodeJS.ProcessEnv;

/** The variables that point Herald's AWS backend at a table, queues and bucket on the local engines. */
export function localBackendEnv(target: {
  tableName: string;
  queues: Pick<HeraldQueues, 'queueUrl' | 'dlqUrl' | 'ordered'>;
  bodyBucket: string;
  endpoints: { dynamoDb: string; sqs: string; s3: string };
  region: string;
}): NodeJS.ProcessEnv {
  return {
    HERALD_BACKEND: 'aws',
    HERALD_TABLE_NAME: target.tableName,
    HERALD_QUEUE_URL: target.queues.queueUrl,
    HERALD_DLQ_URL: target.queues.dlqUrl,
    ...(target.queues.ordered === undefined ? {} : { HERALD_ORDERED_QUEUE_URL: target.queues.ordered.queueUrl }),
    HERALD_BODY_BUCKET: target.bodyBucket,
    AWS_REGION: target.region,
    AWS_ENDPOINT_URL_DYNAMODB: target.endpoints.dynamoDb,
    AWS_ENDPOINT_URL_SQS: target.endpoints.sqs,
    AWS_ENDPOINT_URL_S3: target.endpoints.s3,
  };
}
