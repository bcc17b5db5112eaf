import { createServer, type Server, type Socket } from 'node:net';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoDbClient, LOCAL_ENGINE_CREDENTIALS } from '../../src/adapters/aws-clients.js';
import { DynamoDbStore } from '../../src/adapters/dynamodb/dynamodb-store.js';
import { BackendUnavailableError } from '../../src/domain/errors.js';
import {
  createTestTable,
  LOCAL_REGION,
  type LocalEngine,
  localDynamoDbClient,
  startDynalite,
  type TestTable,
} from '../helpers/aws-engines.js';
import { makeAttempt, makeNotification } from '../helpers/notifications.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();

function unreachableClient(endpoint: string): DynamoDBClient {
  return createDynamoDbClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_ENGINE_CREDENTIALS,
    maxAttempts: 1,
    connectionTimeoutMs: 300,
    requestTimeoutMs: 300,
  });
}

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
      () => store.recordAttempt(id, 0, { status: 'FAILED', attempt: makeAttempt(), at: at(2), nextAttemptAt: null }),
    ],
    ['reopen', () => store.reopen(id, at(3))],
    ['listStalePending', () => store.listStalePending(at(0), 10)],
  ];
}

async function expectUnavailable(operation: Promise<unknown>): Promise<BackendUnavailableError> {
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BackendUnavailableError);
  const unavailable = error as BackendUnavailableError;
  expect(unavailable.backend).toBe('dynamodb');
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
    const store = new DynamoDbStore({ client, tableName: 'unreachable' });
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
    const store = new DynamoDbStore({ client, tableName: 'silent' });
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

describe('DynamoDbStore with a working engine', () => {
  let dynalite: LocalEngine;
  let client: DynamoDBClient;
  let table: TestTable;
  let store: DynamoDbStore;
  /** The next call of this command name fails with this error, once. */
  let injected: { command: string; error: Error } | undefined;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite?.stop();
  });

  beforeEach(async () => {
    client = localDynamoDbClient(dynalite.endpoint);
    // At the initialize step, before the SDK's retry middleware: the error reaches the adapter as is,
    // as it would once DynamoDB's own retries are exhausted.
    client.middlewareStack.add(
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
    table = await createTestTable(client, 'herald-failures');
    store = new DynamoDbStore({ client, tableName: table.name });
    injected = undefined;
  });

  afterEach(async () => {
    await table.remove();
    client.destroy();
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
    expect(await store.claim(notification.id, at(1), at(31))).toBeDefined();
    const record = { status: 'SUCCESS' as const, attempt: makeAttempt({ attempt: 1 }), at: at(2), nextAttemptAt: null };

    // A stale claim (the attempts count moved on) fails DynamoDB's condition check for real ...
    expect(await store.recordAttempt(notification.id, 5, record)).toBe(false);
    // ... and so does the SDK's typed exception, however it arrives.
    injected = {
      command: 'UpdateItemCommand',
      error: new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
    };
    expect(await store.recordAttempt(notification.id, 0, record)).toBe(false);

    expect(await store.get(notification.id)).toMatchObject({ status: 'PROCESSING', attempts: 0 });
    expect(await store.recordAttempt(notification.id, 0, record)).toBe(true);
  });
});
