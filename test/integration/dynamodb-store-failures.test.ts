import { createServer, type Server, type Socket } from 'node:net';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbClient, LazyS3Client, LOCAL_ENGINE_CREDENTIALS } from '../../src/adapters/aws-clients.js';
import { DynamoDbStore } from '../../src/adapters/dynamodb/dynamodb-store.js';
import { S3ObjectStore } from '../../src/adapters/s3/s3-object-store.js';
import { BackendUnavailableError } from '../../src/domain/errors.js';
import {
  createTestBucket,
  createTestTable,
  LOCAL_REGION,
  type LocalEngine,
  localDynamoDbClient,
  localS3Client,
  startDynalite,
  startS3rver,
  type TestBucket,
  type TestTable,
} from '../helpers/aws-engines.js';
import { makeAttempt, makeNotification } from '../helpers/notifications.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();

const unreachableOptions = (endpoint: string) => ({
  region: LOCAL_REGION,
  endpoint,
  credentials: LOCAL_ENGINE_CREDENTIALS,
  maxAttempts: 1,
  connectionTimeoutMs: 300,
  requestTimeoutMs: 300,
});

function unreachableClient(endpoint: string): DynamoDBClient {
  return createDynamoDbClient(unreachableOptions(endpoint));
}

/** A body bucket behind the same dead endpoint: only a large body would reach it. */
function unreachableObjects(endpoint: string): S3ObjectStore {
  const client = new LazyS3Client(unreachableOptions(endpoint));
  return new S3ObjectStore({ client: () => client.get(), bucket: 'unreachable' });
}

/** Over the 8 KiB a body may have in the table, so it goes to S3. */
const LARGE_BODY = { text: 'é'.repeat(10_000) };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Every port method, so none of them can leak an SDK or network error. */
function everyMethod(store: DynamoDbStore): [string, () => Promise<unknown>][] {
  const id = '00000000-0000-4000-8000-000000000000';
  return [
    ['insert', () => store.insert(makeNotification())],
    ['get', () => store.get(id)],
    ['listAttempts', () => store.listAttempts(id)],
    ['list', () => store.list({ limit: 10 })],
    ['list FAILED', () => store.list({ statuses: ['FAILED'], limit: 10 })],
    ['markQueued', () => store.markQueued(id, at(1))],
    ['claim', () => store.claim(id, at(1), at(31))],
    [
      'recordAttempt',
      () =>
        store.recordAttempt(
          id,
          { attempts: 0, leaseExpiresAt: at(31) },
          { status: 'FAILED', attempt: makeAttempt(), at: at(2), nextAttemptAt: null },
        ),
    ],
    ['reopen', () => store.reopen(id, at(3))],
    ['listStalePending', () => store.listStalePending(at(0), 10)],
  ];
}

async function expectUnavailable(operation: Promise<unknown>, backend = 'dynamodb'): Promise<BackendUnavailableError> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackendUnavailableError);
  const unavailable = error as BackendUnavailableError;
  expect(unavailable.backend).toBe(backend);
  expect(unavailable.code).toBe('SYSTEM_ERROR');
  expect(unavailable.cause).toBeDefined();
  return unavailable;
}

describe('DynamoDbStore when DynamoDB cannot be reached', () => {
  it('turns a refused connection into BackendUnavailableError in every method', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = unreachableClient(`http://127.0.0.1:${port}`);
    const store = new DynamoDbStore({
      client,
      tableName: 'unreachable',
      bodyObjects: unreachableObjects(`http://127.0.0.1:${port}`),
    });
    try {
      for (const [name, call] of everyMethod(store)) {
        const error = await expectUnavailable(call());
        expect(error.cause, name).not.toBeInstanceOf(BackendUnavailableError);
      }
    } finally {
      client.destroy();
    }
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    const port = await listen(silent);
    const client = unreachableClient(`http://127.0.0.1:${port}`);
    const store = new DynamoDbStore({
      client,
      tableName: 'silent',
      bodyObjects: unreachableObjects(`http://127.0.0.1:${port}`),
    });
    try {
      const startedAt = Date.now();
      await expectUnavailable(store.get('00000000-0000-4000-8000-000000000000'));
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    } finally {
      client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('DynamoDbStore with working engines (dynalite, s3rver for large bodies)', () => {
  let dynalite: LocalEngine;
  let s3rver: LocalEngine;
  let client: DynamoDBClient;
  let s3: S3Client;
  let table: TestTable;
  let bucket: TestBucket;
  let store: DynamoDbStore;
  /** The next call of this command name (of either client) fails with this error, once. */
  let injected: { command: string; error: Error } | undefined;

  beforeAll(async () => {
    [dynalite, s3rver] = await Promise.all([startDynalite(), startS3rver()]);
  });

  afterAll(async () => {
    await Promise.all([dynalite?.stop(), s3rver?.stop()]);
  });

  beforeEach(async () => {
    client = localDynamoDbClient(dynalite.endpoint);
    s3 = localS3Client(s3rver.endpoint);
    // At the initialize step, before the SDK's retry middleware: the error reaches the adapter as is,
    // as it would once the SDK's own retries are exhausted.
    for (const stack of [client.middlewareStack, s3.middlewareStack] as DynamoDBClient['middlewareStack'][]) {
      stack.add(
        (next, context) => async (args) => {
          if (injected && context.commandName === injected.command) {
            const { error } = injected;
            injected = undefined;
            throw error;
          }
          return next(args);
        },
        { step: 'initialize', name: 'injectFault' },
      );
    }
    [table, bucket] = await Promise.all([
      createTestTable(client, 'herald-failures'),
      createTestBucket(s3, 'herald-failures'),
    ]);
    store = new DynamoDbStore({ client, tableName: table.name, bodyObjects: bucket.objects });
    injected = undefined;
  });

  afterEach(async () => {
    await Promise.all([table.remove(), bucket.remove()]);
    client.destroy();
    s3.destroy();
  });

  /** What S3 answers when it is having a bad moment. */
  const s3InternalError = () =>
    Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });

  it('stores nothing when S3 fails to take a large body: the object is written before the record', async () => {
    const notification = makeNotification({ createdAt: at(0), body: LARGE_BODY });
    const failure = s3InternalError();
    injected = { command: 'PutObjectCommand', error: failure };

    const error = await expectUnavailable(store.insert(notification), 's3');

    expect(error.cause).toBe(failure);
    expect(await store.get(notification.id)).toBeUndefined();
    expect(await bucket.keys()).toEqual([]);
    // Once S3 answers again, the same insert goes through whole.
    expect(await store.insert(notification)).toEqual({ inserted: true });
    expect(await store.get(notification.id)).toStrictEqual(notification);
  });

  it('reads a large body before a claim or a cancel: when S3 cannot give it, nothing has changed', async () => {
    const notification = makeNotification({ createdAt: at(0), body: LARGE_BODY });
    await store.insert(notification);

    injected = { command: 'GetObjectCommand', error: s3InternalError() };
    await expectUnavailable(store.claim(notification.id, at(1), at(31)), 's3');
    injected = { command: 'GetObjectCommand', error: s3InternalError() };
    await expectUnavailable(store.cancel(notification.id, at(2)), 's3');

    expect(await store.get(notification.id)).toStrictEqual(notification);
    const claimed = await store.claim(notification.id, at(3), at(33));
    expect(claimed).toMatchObject({ status: 'PROCESSING', attempts: 0, claimedFrom: 'PENDING', body: LARGE_BODY });
  });

  it('turns throttling into BackendUnavailableError, and works again on the next call', async () => {
    const notification = makeNotification({ createdAt: at(0) });
    expect(await store.insert(notification)).toEqual({ inserted: true });
    const throttled = new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
    injected = { command: 'UpdateItemCommand', error: throttled };

    const error = await expectUnavailable(store.markQueued(notification.id, at(1)));

    expect(error.cause).toBe(throttled);
    expect((await store.get(notification.id))?.status).toBe('PENDING');
    expect(await store.markQueued(notification.id, at(2))).toBe(true);
  });

  it('does not report an insert as done when the write was throttled', async () => {
    const notification = makeNotification({ createdAt: at(0) });
    injected = {
      command: 'PutItemCommand',
      error: new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }),
    };

    await expectUnavailable(store.insert(notification));

    expect(await store.get(notification.id)).toBeUndefined();
  });

  it('answers false when recordAttempt loses its condition, not an error', async () => {
    const notification = makeNotification({ createdAt: at(0) });
    await store.insert(notification);
    const claim = { attempts: 0, leaseExpiresAt: at(31) };
    expect(await store.claim(notification.id, at(1), claim.leaseExpiresAt)).toBeDefined();
    const record = { status: 'SUCCESS' as const, attempt: makeAttempt({ attempt: 1 }), at: at(2), nextAttemptAt: null };

    // A stale claim (the attempts count moved on) fails DynamoDB's condition check for real ...
    expect(await store.recordAttempt(notification.id, { ...claim, attempts: 5 }, record)).toBe(false);
    // ... and so does the SDK's typed exception, however it arrives.
    injected = {
      command: 'UpdateItemCommand',
      error: new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
    };
    expect(await store.recordAttempt(notification.id, claim, record)).toBe(false);

    expect(await store.get(notification.id)).toMatchObject({ status: 'PROCESSING', attempts: 0 });
    expect(await store.recordAttempt(notification.id, claim, record)).toBe(true);
  });
});
