import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/adapters/cursor.js';
import { DynamoDbDestinationSecretStore } from '../../src/adapters/dynamodb/dynamodb-destination-secret-store.js';
import { DynamoDbDestinationStore } from '../../src/adapters/dynamodb/dynamodb-destination-store.js';
import { DynamoDbRecoveryStore } from '../../src/adapters/dynamodb/dynamodb-recovery-store.js';
import { DynamoDbStore, type DynamoDbStoreOptions } from '../../src/adapters/dynamodb/dynamodb-store.js';
import { itemKey, requestKey } from '../../src/adapters/dynamodb/items.js';
import { BODY_OBJECT_THRESHOLD_BYTES, bodyObjectKey } from '../../src/adapters/dynamodb/request-bodies.js';
import { advanceWatermark, readWatermarks } from '../../src/adapters/dynamodb/sweep-watermark.js';
import { openTable } from '../../src/adapters/dynamodb/table.js';
import { DESTINATION_PARTITION } from '../../src/adapters/dynamodb/table-schema.js';
import { listingScope } from '../../src/adapters/listing-scope.js';
import { SqsQueue } from '../../src/adapters/sqs/sqs-queue.js';
import { type DestinationRecord, newDestinationRecord } from '../../src/domain/destination.js';
import { InvalidCursorError } from '../../src/domain/errors.js';
import type { Notification } from '../../src/domain/notification.js';
import type { ListPage, ListQuery } from '../../src/ports/notification-store.js';
import {
  createTestBucket,
  createTestQueues,
  createTestTable,
  type LocalAws,
  startLocalAws,
  type TestBucket,
  type TestTable,
} from '../helpers/aws-engines.js';
import { largeBodies, makeAttempt, makeNotification } from '../helpers/notifications.js';
import { describeDestinationSecretStoreContract } from './destination-secret-store.contract.js';
import { describeDestinationStoreContract } from './destination-store.contract.js';
import { describeQueueContract } from './queue.contract.js';
import { describeRecoveryStoreContract } from './recovery-store.contract.js';
import { describeStoreContract } from './store.contract.js';

// One engine of each kind per file; every test gets its own table, queue or bucket on it.
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws();
});

afterAll(async () => {
  await aws?.stop();
});

describeStoreContract('DynamoDbStore on dynalite, large bodies on s3rver', async () => {
  const [table, bucket] = await Promise.all([
    createTestTable(aws.dynamoDb, 'herald-contract'),
    createTestBucket(aws.s3, 'herald-contract'),
  ]);
  // The contract's notifications are created from 2030-01-01T00:00Z on: the listing walks back from a
  // "now" just after them and ends at the table's epoch, ten minutes before the first of them.
  const store = new DynamoDbStore({
    client: aws.dynamoDb,
    tableName: table.name,
    bodyObjects: bucket.objects,
    now: () => Date.UTC(2030, 0, 1, 0, 1),
  });
  return {
    store,
    destinations: new DynamoDbDestinationStore({ client: aws.dynamoDb, tableName: table.name }),
    cleanup: () => Promise.all([table.remove(), bucket.remove()]).then(() => undefined),
  };
});

describeRecoveryStoreContract('DynamoDbRecoveryStore on dynalite', async () => {
  const table = await createTestTable(aws.dynamoDb, 'herald-recoveries');
  return {
    store: new DynamoDbRecoveryStore({ client: aws.dynamoDb, tableName: table.name }),
    cleanup: table.remove,
  };
});

describeDestinationStoreContract('DynamoDbDestinationStore on dynalite', async () => {
  const table = await createTestTable(aws.dynamoDb, 'herald-destinations');
  return {
    store: new DynamoDbDestinationStore({ client: aws.dynamoDb, tableName: table.name }),
    cleanup: table.remove,
  };
});

describeDestinationSecretStoreContract('DynamoDbDestinationSecretStore on dynalite', async () => {
  const table = await createTestTable(aws.dynamoDb, 'herald-destination-secrets');
  return {
    store: new DynamoDbDestinationSecretStore({ client: aws.dynamoDb, tableName: table.name }),
    cleanup: table.remove,
  };
});

describeQueueContract('SqsQueue on fauxqs', async () => {
  const queues = await createTestQueues(aws.sqs, 'herald-contract');
  return { queue: new SqsQueue({ client: aws.sqs, queueUrl: queues.queueUrl }), cleanup: queues.remove };
});

/** What the shared contract leaves open but this adapter promises (see dynamodb-store.ts). */
describe('DynamoDbStore beyond the contract', () => {
  let table: TestTable;
  let bucket: TestBucket;
  let store: DynamoDbStore;
  const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();
  /** This test's table and bucket, with other options of the store's. */
  const storeWith = (options: Partial<DynamoDbStoreOptions> = {}) =>
    new DynamoDbStore({ client: aws.dynamoDb, tableName: table.name, bodyObjects: bucket.objects, ...options });

  beforeEach(async () => {
    [table, bucket] = await Promise.all([
      createTestTable(aws.dynamoDb, 'herald-adapter'),
      createTestBucket(aws.s3, 'herald-adapter'),
    ]);
    store = storeWith();
  });

  afterEach(async () => {
    await Promise.all([table.remove(), bucket.remove()]);
  });

  async function fail(notification: Notification, claimAt: number): Promise<void> {
    const claim = await store.claim(notification.id, at(claimAt), at(claimAt + 30));
    expect(claim).toBeDefined();
    const attempt = makeAttempt({ attempt: 1, timestamp: at(claimAt + 1) });
    expect(
      await store.recordAttempt(notification.id, claim as Notification, {
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
      const page = await store.list({ statuses: ['FAILED'], limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.items.every((n) => n.status === 'FAILED')).toBe(true);
      ids.push(...page.items.map((n) => n.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(ids).toEqual([5, 4, 3, 1, 0].map((i) => created[i]?.id));
    // A cursor from the FAILED listing is not one for another listing.
    const first = await store.list({ statuses: ['FAILED'], limit: 2 });
    await expect(store.list({ limit: 2, cursor: first.nextCursor as string })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  /**
   * Counts, on the shared client, index Queries of byCreatedMinute, PutItems of the epoch / REQUEST
   * items and the keys BatchGetItem reads.
   */
  function countCalls() {
    const name = `countCalls${Math.random()}`;
    const counts = { indexQueries: 0, epochPuts: 0, requestPuts: 0, stateReads: 0, watermarkWrites: 0 };
    const pkOf = (item: unknown) => {
      const pk = (item as { pk?: unknown } | undefined)?.pk;
      return typeof pk === 'string' ? pk : (pk as { S?: string } | undefined)?.S;
    };
    aws.dynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as {
          IndexName?: string;
          Item?: unknown;
          Key?: unknown;
          RequestItems?: Record<string, { Keys?: unknown[] }>;
        };
        if (context.commandName === 'QueryCommand' && input.IndexName === 'byCreatedMinute') counts.indexQueries++;
        if (context.commandName === 'BatchGetCommand' || context.commandName === 'BatchGetItemCommand') {
          for (const request of Object.values(input.RequestItems ?? {})) counts.stateReads += request.Keys?.length ?? 0;
        }
        if (context.commandName === 'PutCommand' || context.commandName === 'PutItemCommand') {
          if (pkOf(input.Item) === 'META') counts.epochPuts++;
          else counts.requestPuts++;
        }
        const isUpdate = context.commandName === 'UpdateCommand' || context.commandName === 'UpdateItemCommand';
        if (isUpdate && pkOf(input.Key) === 'META') counts.watermarkWrites++;
        return next(args);
      },
      { step: 'initialize', name },
    );
    return {
      get indexQueries() {
        return counts.indexQueries;
      },
      get epochPuts() {
        return counts.epochPuts;
      },
      get requestPuts() {
        return counts.requestPuts;
      },
      get stateReads() {
        return counts.stateReads;
      },
      get watermarkWrites() {
        return counts.watermarkWrites;
      },
      reset() {
        Object.assign(counts, { indexQueries: 0, epochPuts: 0, requestPuts: 0, stateReads: 0, watermarkWrites: 0 });
      },
      remove() {
        aws.dynamoDb.middlewareStack.remove(name);
      },
    };
  }

  /** Every page of a listing, following nextCursor (at most 50 pages). */
  async function allPages(lister: DynamoDbStore, query: Omit<ListQuery, 'cursor'>): Promise<ListPage[]> {
    const pages: ListPage[] = [];
    let cursor: string | undefined;
    do {
      const page = await lister.list({ ...query, ...(cursor ? { cursor } : {}) });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  it('walks the minute buckets back from now, a bounded number per page, and ends at the lookback', async () => {
    const walker = storeWith({
      now: () => Date.parse(at(3 * 3600)),
      listLookbackMinutes: 6 * 60,
      listMinutesPerPage: 60,
    });
    // Two at 00:00, two at 02:00, one at 01:59:59; one before the lookback (21:00 the day before),
    // inserted first so the table's epoch (ten minutes before it) does not end the walk earlier.
    const created = [0, 30, 2 * 3600 - 1, 2 * 3600 + 5, 2 * 3600 + 10].map((s) =>
      makeNotification({ createdAt: at(s) }),
    );
    const tooOld = makeNotification({ createdAt: at(-6 * 3600 - 120) });
    for (const notification of [tooOld, ...created]) await walker.insert(notification);

    const pages = await allPages(walker, { limit: 10 });

    // 03:01 (a minute of margin) down to 21:00 is 362 buckets: 6 pages of 60, the 7th ends the walk.
    expect(pages).toHaveLength(7);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
    expect(pages[0]?.items).toEqual([]);
    expect(pages.flatMap((page) => page.items.map((n) => n.id))).toEqual([4, 3, 2, 1, 0].map((i) => created[i]?.id));
  });

  it('ends the walk of a young table at its epoch, ten minutes before its first notification', async () => {
    const walker = storeWith({
      now: () => Date.parse(at(3 * 3600)),
      listMinutesPerPage: 60,
    });
    const created = [0, 2 * 3600].map((s) => makeNotification({ createdAt: at(s) }));
    for (const notification of created) await walker.insert(notification);

    const pages = await allPages(walker, { limit: 10 });

    // 03:01 down to the epoch, 23:50 the day before, is 192 buckets: 3 pages of 60, the 4th ends it.
    expect(pages).toHaveLength(4);
    expect(pages.at(-1)?.nextCursor).toBeUndefined();
    expect(pages.flatMap((page) => page.items.map((n) => n.id))).toEqual([1, 0].map((i) => created[i]?.id));
  });

  it('lists a fresh table in one page without a cursor, querying only the minutes since its epoch', async () => {
    const calls = countCalls();
    try {
      const live = storeWith();
      const created = Array.from({ length: 3 }, () => makeNotification({ createdAt: new Date().toISOString() }));
      for (const notification of created) await live.insert(notification);
      calls.reset();

      const page = await live.list({ limit: 10 });

      expect(page.nextCursor).toBeUndefined();
      expect(page.items.map((n) => n.id).sort()).toEqual(created.map((n) => n.id).sort());
      // About 12 minutes (11 since the epoch, 1 of margin) × 8 shards; RETENTION_DAYS would be 11,520 a page.
      expect(calls.indexQueries).toBeGreaterThan(0);
      expect(calls.indexQueries).toBeLessThan(200);
    } finally {
      calls.remove();
    }
  });

  it('lists an empty table as one empty page without a cursor or any index query', async () => {
    const calls = countCalls();
    try {
      const page = await store.list({ limit: 10 });
      expect(page).toEqual({ items: [] });
      expect(await store.list({ statuses: ['PENDING'], limit: 10 })).toEqual({ items: [] });
      expect(calls.indexQueries).toBe(0);
    } finally {
      calls.remove();
    }
  });

  it('writes the table epoch once per store instance, with its first insert', async () => {
    const calls = countCalls();
    try {
      const first = storeWith();
      const second = storeWith();
      await Promise.all(Array.from({ length: 3 }, () => first.insert(makeNotification({ createdAt: at(0) }))));
      await first.insert(makeNotification({ createdAt: at(1) }));
      expect(calls.epochPuts).toBe(1);
      // Another instance tries once too (its condition fails: the epoch is there), then never again.
      for (let i = 0; i < 3; i++) await second.insert(makeNotification({ createdAt: at(2 + i) }));
      expect(calls.epochPuts).toBe(2);
      expect(calls.requestPuts).toBe(7);
      expect((await second.list({ limit: 10 })).items).toHaveLength(0);
    } finally {
      calls.remove();
    }
  });

  it('pages one busy minute without duplicates or gaps, with a status filter too', async () => {
    const walker = storeWith({
      now: () => Date.parse(at(60)),
      listLookbackMinutes: 3,
    });
    const created = Array.from({ length: 20 }, (_, i) => makeNotification({ createdAt: at(i) }));
    for (const notification of created) await walker.insert(notification);
    const queued = created.filter((_, i) => i % 3 === 0);
    for (const notification of queued) expect(await walker.markQueued(notification.id, at(100))).toBe(true);

    const all = await allPages(walker, { limit: 2 });
    expect(all.flatMap((page) => page.items.map((n) => n.id))).toEqual(created.map((n) => n.id).reverse());
    expect(all.slice(0, -1).every((page) => page.items.length === 2)).toBe(true);

    const filtered = await allPages(walker, { statuses: ['QUEUED'], limit: 3 });
    expect(filtered.flatMap((page) => page.items.map((n) => n.id))).toEqual(queued.map((n) => n.id).reverse());
    expect(filtered.flatMap((page) => page.items).every((n) => n.status === 'QUEUED')).toBe(true);
  });

  it('passes over other destinations unread: a destination filter fetches only its own notifications', async () => {
    const walker = storeWith({
      now: () => Date.parse(at(60)),
      listLookbackMinutes: 3,
    });
    const rare = Array.from({ length: 2 }, (_, i) =>
      makeNotification({ createdAt: at(i * 20), url: 'https://rare.example/x' }),
    );
    const busy = Array.from({ length: 30 }, (_, i) =>
      makeNotification({ createdAt: at(i), url: 'https://busy.example/y' }),
    );
    for (const notification of [...rare, ...busy]) await walker.insert(notification);
    const calls = countCalls();
    try {
      const page = await walker.list({ destination: 'https://rare.example', limit: 10 });
      expect(page.items.map((n) => n.id)).toEqual([rare[1]?.id, rare[0]?.id]);
      // Both items of each of the two, not of the thirty others.
      expect(calls.stateReads).toBe(4);
    } finally {
      calls.remove();
    }
  });

  describe('large bodies', () => {
    /** The REQUEST item as stored, read around the store. */
    async function requestItemOf(id: string) {
      const { Item } = await openTable(aws.dynamoDb, table.name).doc.send(
        new GetCommand({ TableName: table.name, Key: requestKey(id), ConsistentRead: true }),
      );
      return Item;
    }

    /** Counts the GetObject calls on the shared S3 client until `remove`. */
    function countObjectReads() {
      const name = `countObjectReads${Math.random()}`;
      let reads = 0;
      aws.s3.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'GetObjectCommand') reads++;
          return next(args);
        },
        { step: 'initialize', name },
      );
      return {
        get reads() {
          return reads;
        },
        remove: () => aws.s3.middlewareStack.remove(name),
      };
    }

    it('keeps up to 8 KiB of body text (bytes, not characters) in the table, more in S3 under <id>/<SHA-256 of it>', async () => {
      // 'é' is two bytes of UTF-8; the JSON text adds its two quotes.
      const atLimit = makeNotification({ createdAt: at(0), body: 'é'.repeat((BODY_OBJECT_THRESHOLD_BYTES - 2) / 2) });
      const over = makeNotification({ createdAt: at(1), body: 'é'.repeat((BODY_OBJECT_THRESHOLD_BYTES - 2) / 2 + 1) });
      for (const notification of [atLimit, over]) await store.insert(notification);

      const text = JSON.stringify(over.body);
      const key = `${over.id}/${createHash('sha256').update(text).digest('hex')}`;
      expect(bodyObjectKey(over.id, text)).toBe(key);
      expect(await bucket.keys()).toEqual([key]);
      expect(await bucket.objects.get(key)).toBe(text);
      const [inline, named] = await Promise.all([requestItemOf(atLimit.id), requestItemOf(over.id)]);
      expect(inline).toMatchObject({ body: JSON.stringify(atLimit.body) });
      expect(inline).not.toHaveProperty('bodyObject');
      expect(named).toMatchObject({ bodyObject: key });
      expect(named).not.toHaveProperty('body');
      expect(await store.get(atLimit.id)).toStrictEqual(atLimit);
      expect(await store.get(over.id)).toStrictEqual(over);
    });

    it('rewrites the same object for a replayed insert; a conflicting one cannot touch the object the record names', async () => {
      const [{ body }, { body: other }] = largeBodies(20 * 1024);
      const first = makeNotification({ createdAt: at(0), body, idempotencyKey: 'large' });
      await store.insert(first);
      const key = bodyObjectKey(first.id, JSON.stringify(body));

      expect(await store.insert({ ...first, createdAt: at(5), lastUpdatedAt: at(5) })).toMatchObject({
        inserted: false,
      });
      expect(await bucket.keys()).toEqual([key]);

      expect(await store.insert(makeNotification({ id: first.id, createdAt: at(6), body: other }))).toMatchObject({
        inserted: false,
      });
      // The loser's object is written before its put is refused; it stays until the lifecycle rule
      // expires it, and nothing names it.
      expect((await bucket.keys()).sort()).toEqual([key, bodyObjectKey(first.id, JSON.stringify(other))].sort());
      expect(await bucket.objects.get(key)).toBe(JSON.stringify(body));
      expect(await requestItemOf(first.id)).toMatchObject({ bodyObject: key });
      expect(await store.get(first.id)).toStrictEqual(first);
    });

    it('reads no body from S3 for a listing, and none for a read that asks for none', async () => {
      const [{ body }] = largeBodies(20 * 1024);
      const walker = storeWith({ now: () => Date.parse(at(60)), listLookbackMinutes: 3 });
      const created = Array.from({ length: 6 }, (_, i) => makeNotification({ createdAt: at(i), body }));
      for (const notification of created) await walker.insert(notification);
      const objects = countObjectReads();
      try {
        expect((await walker.list({ limit: 2 })).items.map((n) => n.id)).toEqual([created[5]?.id, created[4]?.id]);
        expect((await walker.list({ statuses: ['PENDING'], limit: 3 })).items).toHaveLength(3);
        expect((await walker.list({ limit: 10 })).items).toHaveLength(6);
        expect((await walker.get(created[0]?.id as string, { body: false }))?.body).toBeUndefined();
        expect(objects.reads).toBe(0);
        expect((await walker.get(created[0]?.id as string))?.body).toStrictEqual(body);
        expect(objects.reads).toBe(1);
      } finally {
        objects.remove();
      }
    });
  });

  it('refuses a listing cursor whose boundary is not a time', async () => {
    const forged = encodeCursor(listingScope({}), ['not-a-time']);
    await expect(store.list({ limit: 2, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('drops a notification from the failure index once it is retried', async () => {
    const notification = makeNotification({ createdAt: at(0) });
    await store.insert(notification);
    await fail(notification, 10);
    expect((await store.list({ statuses: ['FAILED'], limit: 10 })).items.map((n) => n.id)).toEqual([notification.id]);

    expect(await store.reopen(notification.id, at(100))).toBeDefined();
    expect((await store.list({ statuses: ['FAILED'], limit: 10 })).items).toEqual([]);
    expect(await store.listStalePending(at(101), 10)).toEqual([notification.id]);

    expect(await store.markQueued(notification.id, at(102))).toBe(true);
    expect(await store.listStalePending(at(200), 10)).toEqual([]);
  });

  it('sweeps a notification left PENDING longer than the old 15-minute window, sweep after sweep', async () => {
    const stranded = makeNotification({ createdAt: at(0) });
    const queued = makeNotification({ createdAt: at(30) });
    await store.insert(stranded);
    await store.insert(queued);
    expect(await store.markQueued(queued.id, at(31))).toBe(true);

    expect(await store.listStalePending(at(20 * 60), 10)).toEqual([stranded.id]);
    // Nothing enqueued it (the queue was down): the next sweeps still find it, and newer ones with it.
    const later = makeNotification({ createdAt: at(40 * 60) });
    await store.insert(later);
    expect(await store.listStalePending(at(21 * 60), 10)).toEqual([stranded.id]);
    expect(await store.listStalePending(at(60 * 60), 10)).toEqual([stranded.id, later.id]);
  });

  it('checks each notification twice, a minute and an hour after it was created, and never again', async () => {
    const created = Array.from({ length: 5 }, (_, i) => makeNotification({ createdAt: at(i) }));
    for (const notification of created) {
      await store.insert(notification);
      expect(await store.markQueued(notification.id, at(10))).toBe(true);
    }
    const calls = countCalls();
    try {
      expect(await store.listStalePending(at(60), 10)).toEqual([]);
      expect(calls.stateReads).toBe(5);
      calls.reset();

      expect(await store.listStalePending(at(120), 10)).toEqual([]);
      expect(calls.stateReads).toBe(0);
      // One minute bucket since the last sweep, on every shard; nothing is an hour old yet.
      expect(calls.indexQueries).toBe(8);
      expect(calls.watermarkWrites).toBe(1);

      const fresh = makeNotification({ createdAt: at(130) });
      await store.insert(fresh);
      calls.reset();
      expect(await store.listStalePending(at(180), 10)).toEqual([fresh.id]);
      expect(calls.stateReads).toBe(1);
      expect(await store.markQueued(fresh.id, at(181))).toBe(true);

      // An hour on: the first pass reads `fresh` again (it held its watermark there) and the recheck
      // reads the five; the next sweep rechecks `fresh`; after that nothing is read again.
      calls.reset();
      expect(await store.listStalePending(at(3600 + 200), 10)).toEqual([]);
      expect(calls.stateReads).toBe(6);
      expect(calls.watermarkWrites).toBe(2);
      calls.reset();
      expect(await store.listStalePending(at(3600 + 300), 10)).toEqual([]);
      expect(calls.stateReads).toBe(1);
      calls.reset();
      expect(await store.listStalePending(at(3600 + 400), 10)).toEqual([]);
      expect(calls.stateReads).toBe(0);
    } finally {
      calls.remove();
    }
  });

  it('starts the recheck of a table swept before it existed an hour back, not at the table\u2019s epoch', async () => {
    const tableOf = openTable(aws.dynamoDb, table.name);
    const created = Array.from({ length: 5 }, (_, i) => makeNotification({ createdAt: at(i) }));
    for (const notification of created) {
      await store.insert(notification);
      expect(await store.markQueued(notification.id, at(10))).toBe(true);
    }
    // As an older sweeper left it: the first pass ten hours on, no recheck watermark.
    await advanceWatermark(tableOf, 'checkedBefore', at(10 * 3600));
    const calls = countCalls();
    try {
      expect(await store.listStalePending(at(10 * 3600 + 60), 10)).toEqual([]);
      expect(calls.stateReads).toBe(0);
      // One hour of minute buckets for the recheck, one for the first pass.
      expect(calls.indexQueries).toBe((60 + 1) * 8);
    } finally {
      calls.remove();
    }
    expect((await readWatermarks(tableOf)).recheckedBefore).toBe(at(9 * 3600 + 60));
  });

  it('finds a notification whose index entry showed up only after the walk had passed its minute', async () => {
    const queued = makeNotification({ createdAt: at(0) });
    await store.insert(queued);
    expect(await store.markQueued(queued.id, at(1))).toBe(true);
    expect(await store.listStalePending(at(600), 10)).toEqual([]);

    // Created at 30 s, but visible only now, at 10 minutes: as if the index had lagged that long. Its
    // process died before the send, so no write marked it for the sweeper.
    const lagged = makeNotification({ createdAt: at(30) });
    await store.insert(lagged);
    expect(await store.listStalePending(at(700), 10)).toEqual([]);

    // The recheck walks the minute again an hour after it, and finds it.
    expect(await store.listStalePending(at(3600 + 100), 10)).toEqual([lagged.id]);
    expect(await store.listStalePending(at(3600 + 200), 10)).toEqual([lagged.id]);
    expect(await store.markQueued(lagged.id, at(3600 + 201))).toBe(true);
    expect(await store.listStalePending(at(3600 + 300), 10)).toEqual([]);
  });

  it('moves the sweep watermark only forward, and never past a notification still PENDING', async () => {
    const tableOf = openTable(aws.dynamoDb, table.name);
    const queued = makeNotification({ createdAt: at(0) });
    await store.insert(queued);
    expect(await store.markQueued(queued.id, at(1))).toBe(true);

    expect(await store.listStalePending(at(600), 10)).toEqual([]);
    expect((await readWatermarks(tableOf)).checkedBefore).toBe(at(600));
    // An earlier cutoff (a late sweeper) or an earlier value leaves it where it is.
    expect(await store.listStalePending(at(300), 10)).toEqual([]);
    await advanceWatermark(tableOf, 'checkedBefore', at(100));
    expect((await readWatermarks(tableOf)).checkedBefore).toBe(at(600));

    const stranded = makeNotification({ createdAt: at(700) });
    await store.insert(stranded);
    const sweeps = await Promise.all([store.listStalePending(at(800), 10), store.listStalePending(at(900), 10)]);
    expect(sweeps).toEqual([[stranded.id], [stranded.id]]);
    expect((await readWatermarks(tableOf)).checkedBefore).toBe(at(700));

    expect(await store.markQueued(stranded.id, at(901))).toBe(true);
    expect(await store.listStalePending(at(1000), 10)).toEqual([]);
    expect((await readWatermarks(tableOf)).checkedBefore).toBe(at(1000));
  });

  it('walks a bounded number of minutes per sweep, going on from there the next sweep', async () => {
    const bounded = storeWith({ sweepMinutesPerRun: 60 });
    const queued = makeNotification({ createdAt: at(0) });
    const stranded = makeNotification({ createdAt: at(3 * 3600) });
    await bounded.insert(queued);
    await bounded.insert(stranded);
    expect(await bounded.markQueued(queued.id, at(1))).toBe(true);

    // From the epoch (00:00 minus ten minutes), an hour per sweep: 23:50, 00:50, 01:50, 02:50 (finds it).
    const sweeps: string[][] = [];
    for (let i = 0; i < 4; i++) sweeps.push(await bounded.listStalePending(at(4 * 3600), 10));
    expect(sweeps).toEqual([[], [], [], [stranded.id]]);
  });
});

describe('SqsQueue beyond the contract', () => {
  it('reports its approximate depth: visible, delayed and in flight', async () => {
    const queues = await createTestQueues(aws.sqs, 'herald-depth');
    const queue = new SqsQueue({ client: aws.sqs, queueUrl: queues.queueUrl });
    try {
      expect(await queue.approximateDepth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });
      await queue.send('a');
      await queue.send('b');
      await queue.send('later', { delayMs: 600_000 });
      const [received] = await queue.receive({ maxMessages: 1, visibilityTimeoutMs: 60_000, waitTimeMs: 0 });
      expect(received).toBeDefined();

      expect(await queue.approximateDepth()).toEqual({ visible: 1, delayed: 1, inFlight: 1 });
    } finally {
      await queues.remove();
    }
  });

  it('carries since when a destination has held a message back', async () => {
    const queues = await createTestQueues(aws.sqs, 'herald-held');
    const queue = new SqsQueue({ client: aws.sqs, queueUrl: queues.queueUrl });
    try {
      await queue.send('held', { heldSince: 1_700_000_000_123 });
      await queue.send('fresh');
      const received = await queue.receive({ maxMessages: 10, visibilityTimeoutMs: 60_000, waitTimeMs: 0 });
      const byId = new Map(received.map((message) => [message.notificationId, message]));
      expect(byId.get('held')?.heldSince).toBe(1_700_000_000_123);
      expect(byId.get('fresh')).not.toHaveProperty('heldSince');
    } finally {
      await queues.remove();
    }
  });

  it('postpones a message under SQS\u2019s 12 hours from its receive, and carries a redrive count', async () => {
    const queues = await createTestQueues(aws.sqs, 'herald-postpone');
    const queue = new SqsQueue({ client: aws.sqs, queueUrl: queues.queueUrl });
    const visibilities: number[] = [];
    const name = `capturePostpone${Math.random()}`;
    aws.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ChangeMessageVisibilityCommand') {
          visibilities.push((args.input as { VisibilityTimeout: number }).VisibilityTimeout);
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await queue.send('n', { redrives: 2 });
      const [received] = await queue.receive({ maxMessages: 1, visibilityTimeoutMs: 60_000, waitTimeMs: 0 });
      expect(received).toMatchObject({ notificationId: 'n', redrives: 2 });
      await queue.postpone(received as NonNullable<typeof received>, 24 * 3600_000);
      // Real SQS refuses a total beyond 43,200 s counted from the receive; fauxqs does not check.
      expect(visibilities).toHaveLength(1);
      expect(visibilities[0]).toBeLessThanOrEqual(12 * 3600 - 15 * 60);
      expect(visibilities[0]).toBeGreaterThan(11 * 3600);
    } finally {
      aws.sqs.middlewareStack.remove(name);
      await queues.remove();
    }
  });
});

/** Destination records expire by TTL: what the shared contract leaves to each backend. */
describe('DynamoDbDestinationStore beyond the contract', () => {
  let table: TestTable;
  const NOW = Date.UTC(2030, 0, 1);
  const DAY_SECONDS = 86_400;

  beforeEach(async () => {
    table = await createTestTable(aws.dynamoDb, 'herald-destination-ttl');
  });
  afterEach(async () => {
    await table.remove();
  });

  async function itemOf(destination: string) {
    const { Item } = await openTable(aws.dynamoDb, table.name).doc.send(
      new GetCommand({ TableName: table.name, Key: itemKey(DESTINATION_PARTITION, destination), ConsistentRead: true }),
    );
    return Item;
  }

  it('writes each record with an expiry 30 days out, moved by every write, and none while an operator setting holds', async () => {
    let now = NOW;
    const store = new DynamoDbDestinationStore({ client: aws.dynamoDb, tableName: table.name, now: () => now });
    const plain = await store.put(newDestinationRecord('https://plain.example'), 0);
    expect((await itemOf('https://plain.example'))?.expiresAt).toBe(NOW / 1000 + 30 * DAY_SECONDS);

    now += 10 * DAY_SECONDS * 1000;
    await store.put({ ...(plain as DestinationRecord), consecutiveFailures: 1 }, 1);
    expect((await itemOf('https://plain.example'))?.expiresAt).toBe(NOW / 1000 + 40 * DAY_SECONDS);

    for (const [destination, setting] of [
      ['https://paused.example', { paused: true }],
      ['https://capped.example', { maxConcurrency: 2 }],
      ['https://limited.example', { requestsPerSecond: 5 }],
    ] as const) {
      await store.put({ ...newDestinationRecord(destination), ...setting }, 0);
      expect(await itemOf(destination)).not.toHaveProperty('expiresAt');
    }
  });
});
