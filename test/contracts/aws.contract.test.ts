import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../src/adapters/dynamodb/dynamodb-store.js';
import { SqsQueue } from '../../src/adapters/sqs/sqs-queue.js';
import { InvalidCursorError } from '../../src/domain/errors.js';
import type { Notification } from '../../src/domain/notification.js';
import {
  createTestQueues,
  createTestTable,
  type LocalAws,
  startLocalAws,
  type TestTable,
} from '../helpers/aws-engines.js';
import { makeAttempt, makeNotification } from '../helpers/notifications.js';
import { describeQueueContract } from './queue.contract.js';
import { describeStoreContract } from './store.contract.js';

// One engine of each kind per file; every test gets its own table or queue on it.
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

describeStoreContract('DynamoDbStore on dynalite', async () => {
  const table = await createTestTable(aws.dynamoDb, 'herald-contract');
  return { store: new DynamoDbStore({ client: aws.dynamoDb, tableName: table.name }), cleanup: table.remove };
});

describeQueueContract('SqsQueue on fauxqs', async () => {
  const queues = await createTestQueues(aws.sqs, 'herald-contract');
  return { queue: new SqsQueue({ client: aws.sqs, queueUrl: queues.queueUrl }), cleanup: queues.remove };
});

/** What the shared contract leaves open but this adapter promises (see dynamodb-store.ts). */
describe('DynamoDbStore beyond the contract', () => {
  let table: TestTable;
  let store: DynamoDbStore;
  const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();

  beforeEach(async () => {
    table = await createTestTable(aws.dynamoDb, 'herald-adapter');
    store = new DynamoDbStore({ client: aws.dynamoDb, tableName: table.name });
  });

  afterEach(async () => {
    await table.remove();
  });

  async function fail(notification: Notification, claimAt: number): Promise<void> {
    expect(await store.claim(notification.id, at(claimAt), at(claimAt + 30))).toBeDefined();
    const attempt = makeAttempt({ attempt: 1, timestamp: at(claimAt + 1) });
    expect(
      await store.recordAttempt(notification.id, 0, {
        status: 'FAILED',
        attempt,
        at: at(claimAt + 1),
        nextAttemptAt: null,
      }),
    ).toBe(true);
  }

  it('lists FAILED notifications newest created first across index shards, page by page', async () => {
    const created = Array.from({ length: 6 }, (_, i) => makeNotification({ createdAt: at(i) }));
    for (const notification of created) await store.insert(notification);
    // Failed in another order than created: the listing follows createdAt, not the failure time.
    for (const [i, index] of [3, 0, 5, 1, 4].entries()) await fail(created[index] as Notification, 100 + i * 10);

    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ status: 'FAILED', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.every((n) => n.status === 'FAILED')).toBe(true);
      ids.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(ids).toEqual([5, 4, 3, 1, 0].map((i) => created[i]?.id));
    // A cursor from the FAILED listing is not one for another listing.
    const first = await store.list({ status: 'FAILED', limit: 2 });
    await expect(store.list({ limit: 2, cursor: first.nextCursor as string })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it('drops a notification from the failure index once it is retried', async () => {
    const notification = makeNotification({ createdAt: at(0) });
    await store.insert(notification);
    await fail(notification, 10);
    expect((await store.list({ status: 'FAILED', limit: 10 })).items.map((n) => n.id)).toEqual([notification.id]);

    expect(await store.reopen(notification.id, at(100))).toBeDefined();
    expect((await store.list({ status: 'FAILED', limit: 10 })).items).toEqual([]);
    expect(await store.listStalePending(at(101), 10)).toEqual([notification.id]);

    expect(await store.markQueued(notification.id, at(102))).toBe(true);
    expect(await store.listStalePending(at(200), 10)).toEqual([]);
  });

  it('sweeps only the configured window before the cutoff', async () => {
    const narrow = new DynamoDbStore({ client: aws.dynamoDb, tableName: table.name, sweepWindowMinutes: 2 });
    const old = makeNotification({ createdAt: at(0) });
    const recent = makeNotification({ createdAt: at(10 * 60) });
    await narrow.insert(old);
    await narrow.insert(recent);

    expect(await narrow.listStalePending(at(11 * 60), 10)).toEqual([recent.id]);
    expect(await store.listStalePending(at(11 * 60), 10)).toEqual([old.id, recent.id]);
  });
});
