import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Notification } from '../../src/domain/notification.js';
import type { AttemptRecord } from '../../src/ports/notification-store.js';
import { makeAttempt, makeNotification, makeSuccessAttempt } from '../helpers/notifications.js';

/** The single process's ordering: the store is the queue, so the claim itself keeps each key's line. */

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();
const lease = at(10_000);
const vendorA = 'https://a.example';
const vendorB = 'https://b.example';

let dir: string;
let db: SqliteDatabase;
let store: SqliteStore;
let wakes: number;
let clock: number;
let attemptClock: number;

beforeEach(() => {
  dir = join(tmpdir(), `herald-ordering-${randomUUID()}`);
  db = new SqliteDatabase(join(dir, 'herald.db'));
  wakes = 0;
  store = new SqliteStore(db, { onWorkDue: () => wakes++ });
  clock = 0;
  attemptClock = 300;
});

afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

/** A notification accepted one second after the previous one, with this ordering key (null: none). */
async function accept(orderingKey: string | null, vendor = vendorA): Promise<Notification> {
  clock++;
  const n = makeNotification({
    url: `${vendor}/hook`,
    destination: vendor,
    orderingKey,
    createdAt: at(clock),
    lastUpdatedAt: at(clock),
  });
  expect((await store.insert(n)).inserted).toBe(true);
  return n;
}

async function claimable(vendor = vendorA, now = at(1000)): Promise<string[]> {
  const claimed = await store.claimDue(vendor, 100, now, lease);
  return claimed.map((n) => n.id);
}

/** Claims `n` and records one attempt ending in `status` (QUEUED: a retry due at `retryAt`), from 300 s on. */
async function attempt(n: Notification, status: AttemptRecord['status'], retryAt: string | null = null) {
  attemptClock += 10;
  const claimed = await store.claim(n.id, at(attemptClock), lease);
  expect(claimed, `${n.id} is claimable`).toBeDefined();
  const record: AttemptRecord = {
    status,
    attempt: status === 'SUCCESS' ? makeSuccessAttempt() : makeAttempt(),
    at: at(attemptClock + 1),
    nextAttemptAt: retryAt,
  };
  expect(await store.recordAttempt(n.id, claimed as Notification, record)).toBe(true);
}

describe('SqliteStore: ordering keys', () => {
  it('lets only the first of each key be claimed; keys and unordered notifications go side by side', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    const j1 = await accept('j');
    const free = await accept(null);
    const k3 = await accept('k');

    expect(await claimable()).toEqual([k1.id, j1.id, free.id]);
    expect(await store.claim(k2.id, at(100), lease)).toBeUndefined();
    expect(await store.claim(k3.id, at(100), lease)).toBeUndefined();
    expect((await store.get(k2.id))?.orderingKey).toBe('k');
    expect((await store.get(free.id))?.orderingKey).toBeNull();
  });

  it('keeps a retrying head in its place: the next waits through the retry and goes once the head succeeds', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    const k3 = await accept('k');

    await attempt(k1, 'QUEUED', at(400));
    expect(await claimable(vendorA, at(350))).toEqual([]);
    expect(await claimable(vendorA, at(400))).toEqual([k1.id]);
    const head = (await store.get(k1.id)) as Notification;
    const before = wakes;
    await store.recordAttempt(k1.id, head, {
      status: 'SUCCESS',
      attempt: makeSuccessAttempt({ attempt: 2 }),
      at: at(401),
      nextAttemptAt: null,
    });
    expect(wakes).toBeGreaterThan(before); // the worker is told the next one is due
    expect(await claimable(vendorA, at(401))).toEqual([k2.id]);
    expect(await store.claim(k3.id, at(500), lease)).toBeUndefined();
  });

  it('lets the next go when the head ends FAILED', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    await attempt(k1, 'FAILED');
    expect(await claimable()).toEqual([k2.id]);
  });

  it('lets the next go when the head is cancelled', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    expect((await store.cancel(k1.id, at(50)))?.status).toBe('CANCELLED');
    expect(await claimable()).toEqual([k2.id]);
  });

  it('steps over one cancelled while it waited in the line', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    const k3 = await accept('k');
    expect((await store.cancel(k2.id, at(50)))?.status).toBe('CANCELLED');
    await attempt(k1, 'SUCCESS');
    expect(await claimable()).toEqual([k3.id]);
  });

  it('puts a FAILED one retried by hand at the end of its line, behind those accepted after it', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    await attempt(k1, 'FAILED');
    expect((await store.reopen(k1.id, at(315)))?.status).toBe('PENDING');

    expect(await store.claim(k1.id, at(1000), lease)).toBeUndefined();
    await attempt(k2, 'SUCCESS');
    expect(await claimable()).toEqual([k1.id]);
  });

  it('makes a FAILED one retried by hand due at once when its line is empty', async () => {
    const k1 = await accept('k');
    await attempt(k1, 'FAILED');
    await store.reopen(k1.id, at(315));
    expect(await claimable(vendorA, at(315))).toEqual([k1.id]); // due when it was reopened
  });

  it('gives an interrupted head back when its lease lapses, still ahead of the next', async () => {
    const k1 = await accept('k');
    const k2 = await accept('k');
    const shortLease = at(150);
    expect((await store.claimDue(vendorA, 10, at(100), shortLease)).map((n) => n.id)).toEqual([k1.id]);
    expect(await claimable(vendorA, at(140))).toEqual([]);
    expect(await claimable(vendorA, at(151))).toEqual([k1.id]);
    expect(await store.claim(k2.id, at(151), lease)).toBeUndefined();
  });

  it('holds a key across destinations: a destination with only waiting notifications has none due', async () => {
    const onA = await accept('k', vendorA);
    const onB = await accept('k', vendorB);

    expect(await store.dueDestinations()).toEqual([{ destination: vendorA, dueAt: Date.parse(at(1)) }]);
    expect(await claimable(vendorB)).toEqual([]);
    await attempt(onA, 'SUCCESS');
    expect((await store.dueDestinations()).map((d) => d.destination)).toEqual([vendorB]);
    expect(await claimable(vendorB)).toEqual([onB.id]);
  });

  it('keeps a key line of a notification replayed with its idempotency key: the replay stores nothing', async () => {
    const first = makeNotification({
      orderingKey: 'k',
      idempotencyKey: 'idem',
      createdAt: at(1),
      lastUpdatedAt: at(1),
    });
    await store.insert(first);
    const replay = await store.insert({ ...first });
    expect(replay.inserted).toBe(false);
    expect(await claimable(first.destination)).toEqual([first.id]);
  });
});
