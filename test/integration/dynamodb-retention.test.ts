import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStore } from '../../src/adapters/dynamodb/dynamodb-store.js';
import { ITEM, notificationKey, RETENTION_DAYS } from '../../src/adapters/dynamodb/table-schema.js';
import {
  createTestBucket,
  createTestTable,
  type LocalEngine,
  localDynamoDbClient,
  localS3Client,
  startDynalite,
  startS3rver,
  type TestBucket,
  type TestTable,
} from '../helpers/aws-engines.js';
import { makeAttempt, makeNotification } from '../helpers/notifications.js';

/**
 * DynamoDB's TTL deletes a notification's items `expiresAt` (epoch seconds) after the fact, and the
 * body bucket's lifecycle rule deletes a body object a fixed time after it was written, whatever the
 * notification's status. A notification reopened or claimed again late in its life must not be
 * deleted while it is still to be delivered: its items and its body object are renewed.
 */
const DAY_MS = 24 * 3600 * 1000;
const RETENTION_S = RETENTION_DAYS * 24 * 3600;
const LARGE_BODY = { filler: 'x'.repeat(10 * 1024) };

let dynalite: LocalEngine;
let s3rver: LocalEngine;
let client: DynamoDBClient;
let s3: S3Client;
let table: TestTable;
let bucket: TestBucket;
let store: DynamoDbStore;
/** Every call the store made, by command name, with the key of the item or object it touched. */
let calls: { command: string; key: string }[];

beforeAll(async () => {
  [dynalite, s3rver] = await Promise.all([startDynalite(), startS3rver()]);
});
afterAll(async () => {
  await Promise.all([dynalite?.stop(), s3rver?.stop()]);
});

beforeEach(async () => {
  client = localDynamoDbClient(dynalite.endpoint);
  s3 = localS3Client(s3rver.endpoint);
  calls = [];
  for (const stack of [client.middlewareStack, s3.middlewareStack] as DynamoDBClient['middlewareStack'][]) {
    stack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: unknown };
        calls.push({ command: String(context.commandName), key: JSON.stringify(input.Key ?? '') });
        return next(args);
      },
      { step: 'initialize', name: 'recordCalls' },
    );
  }
  [table, bucket] = await Promise.all([
    createTestTable(client, 'herald-retention'),
    createTestBucket(s3, 'herald-retention'),
  ]);
  store = new DynamoDbStore({ client, tableName: table.name, bodyObjects: bucket.objects });
});

afterEach(async () => {
  await Promise.all([table.remove(), bucket.remove()]);
  client.destroy();
  s3.destroy();
});

/** The `expiresAt` of the REQUEST and the STATE item, read around the store. */
async function expiries(id: string): Promise<{ request: number; state: number | undefined }> {
  const read = async (sk: string) =>
    (
      await client.send(
        new GetItemCommand({
          TableName: table.name,
          Key: { pk: { S: notificationKey(id) }, sk: { S: sk } },
          ConsistentRead: true,
        }),
      )
    ).Item?.expiresAt?.N;
  const [request, state] = await Promise.all([read(ITEM.request), read(ITEM.state)]);
  return { request: Number(request), state: state === undefined ? undefined : Number(state) };
}

const bodyWrites = (id: string) => calls.filter((c) => c.command === 'PutObjectCommand' && c.key.includes(id)).length;
const requestUpdates = (id: string) =>
  calls.filter(
    (c) => c.command === 'UpdateCommand' && c.key.includes(notificationKey(id)) && c.key.includes(`"${ITEM.request}"`),
  ).length;

/** A notification created `ageDays` ago, with a body kept in S3, claimed once and FAILED then. */
async function failedLongAgo(ageDays: number) {
  const createdMs = Date.now() - ageDays * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  const notification = makeNotification({ createdAt: iso(createdMs), lastUpdatedAt: iso(createdMs), body: LARGE_BODY });
  await store.insert(notification);
  const claim = await store.claim(notification.id, iso(createdMs + 1000), iso(createdMs + 60_000));
  expect(claim).toBeDefined();
  const recorded = await store.recordAttempt(notification.id, claim as NonNullable<typeof claim>, {
    status: 'FAILED',
    attempt: makeAttempt({ timestamp: iso(createdMs + 2000) }),
    at: iso(createdMs + 2000),
    nextAttemptAt: null,
  });
  expect(recorded).toBe(true);
  return notification;
}

describe('DynamoDbStore: a notification still to be delivered outlives its first retention (dynalite, s3rver)', () => {
  it('a manual retry of one created 29 days ago moves both items to expire at least 30 days from now, and writes its body again', async () => {
    const notification = await failedLongAgo(29);
    expect(bodyWrites(notification.id)).toBe(1);

    const now = Date.now();
    const reopened = await store.reopen(notification.id, new Date(now).toISOString());
    expect(reopened?.status).toBe('PENDING');
    expect(reopened?.body).toEqual(LARGE_BODY);

    const floor = Math.floor(now / 1000) + RETENTION_S;
    const { request, state } = await expiries(notification.id);
    expect(request).toBeGreaterThanOrEqual(floor);
    expect(state).toBeGreaterThanOrEqual(floor);
    // Written again: the bucket's lifecycle counts its days from the last write.
    expect(bodyWrites(notification.id)).toBe(2);
    expect((await store.get(notification.id))?.body).toEqual(LARGE_BODY);
  });

  it('a bulk recovery (a reopen that reads no body) renews both items, and the claim that follows renews the body', async () => {
    const notification = await failedLongAgo(29);
    const now = Date.now();
    expect(await store.reopen(notification.id, new Date(now).toISOString(), { body: false })).toBeDefined();
    const floor = Math.floor(now / 1000) + RETENTION_S;
    expect(await expiries(notification.id)).toEqual({ request: expect.any(Number), state: expect.any(Number) });
    const afterReopen = await expiries(notification.id);
    expect(afterReopen.request).toBeGreaterThanOrEqual(floor);
    expect(afterReopen.state).toBeGreaterThanOrEqual(floor);
    expect(bodyWrites(notification.id)).toBe(1);

    const claimed = await store.claim(
      notification.id,
      new Date(now + 1000).toISOString(),
      new Date(now + 60_000).toISOString(),
    );
    expect(claimed?.body).toEqual(LARGE_BODY);
    expect(bodyWrites(notification.id)).toBe(2);
    const afterClaim = await expiries(notification.id);
    expect(afterClaim.request).toBeGreaterThanOrEqual(floor);
    expect(afterClaim.state).toBeGreaterThanOrEqual(floor);
  });

  it('a claim of one created 29 days ago (a scheduled retry, a message redriven or held that long) renews both items, and a release keeps them', async () => {
    const createdMs = Date.now() - 29 * DAY_MS;
    const notification = makeNotification({
      createdAt: new Date(createdMs).toISOString(),
      lastUpdatedAt: new Date(createdMs).toISOString(),
    });
    await store.insert(notification);
    expect(await store.markQueued(notification.id, new Date(createdMs + 100).toISOString())).toBe(true);

    const now = Date.now();
    const claimed = await store.claim(
      notification.id,
      new Date(now).toISOString(),
      new Date(now + 60_000).toISOString(),
    );
    expect(claimed).toBeDefined();
    const floor = Math.floor(now / 1000) + RETENTION_S;
    const afterClaim = await expiries(notification.id);
    expect(afterClaim.request).toBeGreaterThanOrEqual(floor);
    expect(afterClaim.state).toBeGreaterThanOrEqual(floor);

    const claim = claimed as NonNullable<typeof claimed>;
    expect(await store.release(notification.id, claim, new Date(now + 500).toISOString(), null)).toBe(true);
    expect(await expiries(notification.id)).toEqual(afterClaim);
  });

  it('retain (a message held by its destination for days) renews one never claimed, created 29 days ago, without making it a STATE item', async () => {
    const createdMs = Date.now() - 29 * DAY_MS;
    const notification = makeNotification({
      createdAt: new Date(createdMs).toISOString(),
      lastUpdatedAt: new Date(createdMs).toISOString(),
      status: 'QUEUED',
      body: LARGE_BODY,
    });
    await store.insert(notification);

    const now = Date.now();
    await store.retain(notification.id, new Date(now).toISOString());
    const { request, state } = await expiries(notification.id);
    expect(request).toBeGreaterThanOrEqual(Math.floor(now / 1000) + RETENTION_S);
    // Still a notification as ingested (no STATE item), and its body written again.
    expect(state).toBeUndefined();
    expect(bodyWrites(notification.id)).toBe(2);
    expect(await store.get(notification.id)).toMatchObject({ status: 'QUEUED', body: LARGE_BODY });
  });

  it('retain renews both items of one that has a STATE item, and an unknown id is nothing', async () => {
    const notification = await failedLongAgo(29);
    const now = Date.now();
    await store.retain(notification.id, new Date(now).toISOString());
    const { request, state } = await expiries(notification.id);
    expect(request).toBeGreaterThanOrEqual(Math.floor(now / 1000) + RETENTION_S);
    expect(state).toBe(request);
    await expect(
      store.retain('0b9d6f43-0000-4000-8000-000000000000', new Date(now).toISOString()),
    ).resolves.toBeUndefined();
  });

  it('renews nothing for a notification less than a day old: its claims and retries write the REQUEST item never', async () => {
    const notification = makeNotification({ body: LARGE_BODY });
    await store.insert(notification);
    const before = await expiries(notification.id);
    const now = Date.now();
    const claimed = await store.claim(
      notification.id,
      new Date(now).toISOString(),
      new Date(now + 60_000).toISOString(),
    );
    expect(claimed).toBeDefined();
    expect(requestUpdates(notification.id)).toBe(0);
    expect(bodyWrites(notification.id)).toBe(1);
    expect((await expiries(notification.id)).request).toBe(before.request);
  });
});
