import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  fdatasync as fsFdatasync,
  fstatSync,
  mkdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurabilityLoss } from '../../src/adapters/sqlite/durability-loss.js';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteDestinationStore } from '../../src/adapters/sqlite/sqlite-destination-store.js';
import { SCHEMA_VERSION } from '../../src/adapters/sqlite/sqlite-schema.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { acceptNotification } from '../../src/app/accept-notification.js';
import { newDestinationRecord } from '../../src/domain/destination.js';
import { BackendUnavailableError, HeraldError } from '../../src/domain/errors.js';
import { fakeDependencies } from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';

let dir: string;
let path: string;
const opened: SqliteDatabase[] = [];

function open(options?: ConstructorParameters<typeof SqliteDatabase>[1]): SqliteDatabase {
  const db = new SqliteDatabase(path, options);
  opened.push(db);
  return db;
}

beforeEach(() => {
  dir = join(tmpdir(), `herald-sqlite-${randomUUID()}`);
  path = join(dir, 'nested', 'herald.db');
});

afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  await rm(dir, { recursive: true, force: true });
});

const modeOf = (file: string) => statSync(file).mode & 0o777;

const createScratch = (db: SqliteDatabase) =>
  db.write((c) => c.exec('CREATE TABLE IF NOT EXISTS scratch (k TEXT PRIMARY KEY, v INTEGER NOT NULL)'));
const insertScratch = (db: SqliteDatabase, k: string, v: number) =>
  db.write(() => db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run(k, v).changes);
const countScratch = (db: SqliteDatabase) =>
  db.read(() => (db.statement('SELECT count(*) AS n FROM scratch').get() as { n: number }).n);

describe('SqliteDatabase', () => {
  it('creates the parent directory and opens in WAL mode, with no fsync inside COMMIT', () => {
    const db = open();
    expect(db.read((c) => c.pragma('journal_mode', { simple: true }))).toBe('wal');
    // 1 = NORMAL: the class fdatasyncs the WAL itself, off the event loop, before an onDisk write settles.
    expect(db.read((c) => c.pragma('synchronous', { simple: true }))).toBe(1);
  });

  it('creates the file, its -wal and -shm for the owner only (0600), in a directory of its own (0700)', async () => {
    const previous = process.umask(0o002); // a permissive umask, as on some hosts: the modes must not depend on it
    try {
      const db = open();
      await createScratch(db);
      await insertScratch(db, 'k', 1);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file), file).toBe(0o600);
      expect(modeOf(join(dir, 'nested'))).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it('leaves the mode of an existing file as its owner set it', async () => {
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    await createScratch(open());
    expect(modeOf(path)).toBe(0o640);
  });

  it('settles a committed-only write at COMMIT and an onDisk write of the same transaction after the fdatasync', async () => {
    const db = open();
    await createScratch(db);
    const before = db.committedTransactions;
    const settled: string[] = [];

    const onDisk = db.write(() => db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run('disk', 1).changes);
    const committed = db.write(
      () => db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run('commit', 2).changes,
      'committed',
    );
    await Promise.all([onDisk.then(() => settled.push('onDisk')), committed.then(() => settled.push('committed'))]);

    expect(db.committedTransactions - before).toBe(1);
    expect(settled).toEqual(['committed', 'onDisk']);
    expect(countScratch(db)).toBe(2);
  });

  it('after a failed fdatasync rejects the writes it covered, reports the loss once, and acknowledges no later write', async () => {
    // After a failed fsync the kernel may have dropped the dirty pages: a later fsync that succeeds
    // proves nothing about them, or (the WAL's frames are checksummed in a chain) about any frame after them.
    let failing = false;
    const lost: unknown[] = [];
    const db = open({
      fdatasync: (fd, callback) => {
        if (failing) callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
        else fsFdatasync(fd, callback);
      },
      onDurabilityLost: (error) => lost.push(error),
    });
    await createScratch(db);
    failing = true;

    const [onDisk, committed] = await Promise.allSettled([
      insertScratch(db, 'disk', 1),
      db.write(() => db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run('commit', 2).changes, 'committed'),
    ]);

    expect(onDisk.status).toBe('rejected');
    expect((onDisk as PromiseRejectedResult).reason).toBeInstanceOf(BackendUnavailableError);
    // Settled at its COMMIT, before the fdatasync: at-least-once work, repeated if it is lost.
    expect(committed).toEqual({ status: 'fulfilled', value: 1 });
    expect(lost).toHaveLength(1);
    expect((lost[0] as { code?: string }).code).toBe('EIO');

    // The disk works again: nothing more is acknowledged, or even committed, on this connection.
    failing = false;
    const later = await Promise.allSettled([insertScratch(db, 'after', 3), db.write(() => 1, 'committed')]);
    expect(later.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((later[0] as PromiseRejectedResult).reason).toBeInstanceOf(BackendUnavailableError);
    expect(countScratch(db)).toBe(2);
    expect(lost).toHaveLength(1);
  });

  it('acknowledges nothing once another connection of the process lost durability on the same file', async () => {
    const sharedLoss = new DurabilityLoss();
    let failing = false;
    const lostHere: unknown[] = [];
    const failingConnection = open({
      durabilityLoss: sharedLoss,
      fdatasync: (fd, callback) => {
        if (failing) callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
        else fsFdatasync(fd, callback);
      },
    });
    // As the delivery thread's connection: its flag is a view of the same shared memory.
    const other = open({
      durabilityLoss: new DurabilityLoss(sharedLoss.buffer),
      createFile: false,
      onDurabilityLost: (error) => lostHere.push(error),
    });
    await createScratch(failingConnection);
    failing = true;
    await expect(insertScratch(failingConnection, 'disk', 1)).rejects.toBeInstanceOf(BackendUnavailableError);

    // This connection's own fdatasync would succeed: what it covers may still sit behind the lost frames.
    await expect(insertScratch(other, 'other', 2)).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(lostHere).toHaveLength(1);
    expect(countScratch(other)).toBe(1);
  });

  it('fsyncs the directory once it has created the file and its WAL, so their names survive a power loss', () => {
    const synced: number[] = [];
    open({
      fsyncDirectory: (fd) => {
        synced.push(fd);
        expect(fstatSync(fd).isDirectory()).toBe(true);
        expect(fstatSync(fd).ino).toBe(statSync(join(dir, 'nested')).ino);
        expect(existsSync(`${path}-wal`)).toBe(true);
      },
    });
    expect(synced).toHaveLength(1);
  });

  it('settles every write of an in-memory database at COMMIT (no file to sync)', async () => {
    const db = new SqliteDatabase(':memory:');
    try {
      await createScratch(db);
      expect(await insertScratch(db, 'k', 1)).toBe(1);
      expect(countScratch(db)).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('lets a committed-only write wait for the next write of a later turn, and commits both in one transaction', async () => {
    const db = open();
    await createScratch(db);
    const before = db.committedTransactions;

    const claim = db.write(
      () => db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run('claim', 1).changes,
      'committed',
    );
    // The next turn of the event loop: a flush at the end of each turn would have committed the claim.
    await new Promise((resolve) => setImmediate(resolve));
    const ingest = insertScratch(db, 'ingest', 2);

    expect(await Promise.all([claim, ingest])).toEqual([1, 1]);
    expect(db.committedTransactions - before).toBe(1);
  });

  it('commits 200 concurrent writes in fewer transactions than writes', async () => {
    const db = open();
    await createScratch(db);
    const before = db.committedTransactions;

    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => insertScratch(db, `k${i}`, i)));

    expect(results).toEqual(Array.from({ length: 200 }, () => 1));
    expect(countScratch(db)).toBe(200);
    const transactions = db.committedTransactions - before;
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThan(200);
  });

  it('fails only the write that threw, and rolls back only its changes', async () => {
    const db = open();
    await createScratch(db);
    await insertScratch(db, 'taken', 0);

    const results = await Promise.allSettled([
      insertScratch(db, 'a', 1),
      insertScratch(db, 'taken', 2), // primary key violation
      db.write(() => {
        db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run('half-done', 3);
        throw new Error('application error after a statement');
      }),
      insertScratch(db, 'b', 4),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const constraint = (results[1] as PromiseRejectedResult).reason;
    expect(constraint).toBeInstanceOf(HeraldError);
    expect(constraint).not.toBeInstanceOf(Database.SqliteError);
    expect((results[2] as PromiseRejectedResult).reason).toEqual(new Error('application error after a statement'));
    const keys = db.read(() => db.statement('SELECT k FROM scratch ORDER BY k').pluck().all());
    expect(keys).toEqual(['a', 'b', 'taken']);
  });

  it('keeps committed data across close and reopen', async () => {
    const first = open();
    const store = new SqliteStore(first);
    const notification = makeNotification({ body: 'plain text', metadata: { k: 'v' } });
    await store.insert(notification);
    const pendingWrite = store.markQueued(notification.id, notification.createdAt);
    await first.close();
    expect(await pendingWrite).toBe(true);

    const reopened = new SqliteStore(open());
    expect(await reopened.get(notification.id)).toStrictEqual({ ...notification, status: 'QUEUED' });
  });

  it('rejects writes and reads after close with BackendUnavailableError', async () => {
    const db = open();
    await db.close();
    await expect(db.write(() => 1)).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(() => db.read(() => 1)).toThrow(BackendUnavailableError);
  });

  it('translates a lock held by another connection into BackendUnavailableError', async () => {
    const db = open({ busyTimeoutMs: 50 });
    await createScratch(db);
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const error = await insertScratch(db, 'x', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as BackendUnavailableError).code).toBe('SYSTEM_ERROR');
      expect(((error as Error).cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await insertScratch(db, 'x', 1)).toBe(1);
  });

  it('stamps a new file with the schema version and opens it again', async () => {
    await open().close();
    const db = open();
    expect(db.read((c) => c.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
  });

  it('refuses a file of another schema version, or of the unversioned layout, without writing to it', () => {
    mkdirSync(dir, { recursive: true });
    for (const [version, setup] of [
      [1, 'PRAGMA user_version = 1'],
      [0, 'CREATE TABLE notifications (id TEXT PRIMARY KEY, status TEXT NOT NULL)'],
    ] as const) {
      const file = join(dir, `v${version}.db`);
      const seeded = new Database(file);
      seeded.exec(setup);
      seeded.close();
      let error: unknown;
      try {
        new SqliteDatabase(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BackendUnavailableError);
      expect((error as Error).message).toMatch(/schema version/);
      const after = new Database(file);
      expect(after.pragma('user_version', { simple: true })).toBe(version);
      expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(
        version === 0 ? ['notifications'] : [],
      );
      after.close();
    }
  });

  it('translates a file it cannot open into BackendUnavailableError', async () => {
    const blocker = join(tmpdir(), `herald-not-a-dir-${randomUUID()}`);
    writeFileSync(blocker, 'a file where a directory should be');
    try {
      expect(() => new SqliteDatabase(join(blocker, 'herald.db'))).toThrow(BackendUnavailableError);
    } finally {
      await rm(blocker, { force: true });
    }
  });
});

describe('SqliteStore as the queue', () => {
  const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();
  const lease = at(600);
  const vendorA = 'https://a.example';
  const vendorB = 'https://b.example';

  it('stores a keyless notification QUEUED in one commit, claimable at once and waking the worker', async () => {
    const db = open();
    let wakes = 0;
    const store = new SqliteStore(db, { onWorkDue: () => wakes++ });
    const deps = { ...fakeDependencies(), store, queue: { send: async () => {} } };
    const before = db.committedTransactions;

    const { notification } = await acceptNotification(deps, { url: `${vendorA}/hook`, body: { a: 1 } });

    expect(db.committedTransactions - before).toBe(1);
    expect(wakes).toBe(1);
    expect(notification).toMatchObject({ status: 'QUEUED', destination: vendorA });
    const claimed = await store.claimDue(vendorA, 10, new Date().toISOString(), lease);
    expect(claimed.map((n) => n.id)).toEqual([notification.id]);
  });

  it('claims per destination, oldest due first, up to the limit, skipping what is not due', async () => {
    const store = new SqliteStore(open());
    const a1 = makeNotification({ url: `${vendorA}/1`, destination: vendorA, createdAt: at(2), lastUpdatedAt: at(2) });
    const a2 = makeNotification({ url: `${vendorA}/2`, destination: vendorA, createdAt: at(1), lastUpdatedAt: at(1) });
    const a3 = makeNotification({ url: `${vendorA}/3`, destination: vendorA, createdAt: at(3), lastUpdatedAt: at(3) });
    const later = makeNotification({
      url: `${vendorA}/later`,
      destination: vendorA,
      status: 'QUEUED',
      createdAt: at(0),
      lastUpdatedAt: at(0),
      nextAttemptAt: at(100),
    });
    const b1 = makeNotification({ url: `${vendorB}/1`, destination: vendorB, createdAt: at(5), lastUpdatedAt: at(5) });
    for (const n of [a1, a2, a3, later, b1]) await store.insert(n);

    expect(await store.dueDestinations()).toEqual([
      { destination: vendorA, dueAt: Date.parse(at(1)) },
      { destination: vendorB, dueAt: Date.parse(at(5)) },
    ]);
    const claimed = await store.claimDue(vendorA, 2, at(10), lease);
    expect(claimed.map((n) => n.id)).toEqual([a2.id, a1.id]);
    expect(claimed.every((n) => n.status === 'PROCESSING' && n.leaseExpiresAt === lease)).toBe(true);
    expect((await store.claimDue(vendorA, 10, at(10), lease)).map((n) => n.id)).toEqual([a3.id]);
    expect(await store.claimDue(vendorA, 10, at(10), lease)).toEqual([]);
    // The retry falls due; the claims' leases are the earliest due time left after it is claimed.
    expect((await store.claimDue(vendorA, 10, at(100), lease)).map((n) => n.id)).toEqual([later.id]);
    expect((await store.dueDestinations()).find((d) => d.destination === vendorA)).toEqual({
      destination: vendorA,
      dueAt: Date.parse(lease),
    });
  });

  it('never claims a cancelled notification, and drops its destination once nothing else is due there', async () => {
    const store = new SqliteStore(open());
    const kept = makeNotification({
      url: `${vendorA}/1`,
      destination: vendorA,
      createdAt: at(1),
      lastUpdatedAt: at(1),
    });
    const dropped = makeNotification({
      url: `${vendorA}/2`,
      destination: vendorA,
      createdAt: at(0),
      lastUpdatedAt: at(0),
    });
    const alone = makeNotification({
      url: `${vendorB}/1`,
      destination: vendorB,
      createdAt: at(0),
      lastUpdatedAt: at(0),
    });
    for (const n of [kept, dropped, alone]) await store.insert(n);

    expect((await store.cancel(dropped.id, at(2)))?.status).toBe('CANCELLED');
    expect((await store.cancel(alone.id, at(2)))?.status).toBe('CANCELLED');

    expect(await store.dueDestinations()).toEqual([{ destination: vendorA, dueAt: Date.parse(at(1)) }]);
    expect((await store.claimDue(vendorA, 10, at(10), lease)).map((n) => n.id)).toEqual([kept.id]);
    expect(await store.claimDue(vendorB, 10, at(10), lease)).toEqual([]);
  });

  it('gives a claim back with release: QUEUED, due when asked, no attempt spent', async () => {
    let wakes = 0;
    const store = new SqliteStore(open(), { onWorkDue: () => wakes++ });
    const n = makeNotification({ url: `${vendorA}/1`, destination: vendorA, createdAt: at(0), lastUpdatedAt: at(0) });
    await store.insert(n);
    const [claimed] = await store.claimDue(vendorA, 1, at(1), lease);
    expect(claimed?.id).toBe(n.id);

    // Not this claim's: another attempt count, or another lease.
    expect(await store.release(n.id, { attempts: 1, leaseExpiresAt: lease }, at(2), at(50))).toBe(false);
    expect(await store.release(n.id, { attempts: 0, leaseExpiresAt: at(599) }, at(2), at(50))).toBe(false);
    expect(await store.release(n.id, claimed as NonNullable<typeof claimed>, at(2), at(50))).toBe(true);
    expect(await store.get(n.id)).toMatchObject({ status: 'QUEUED', attempts: 0, nextAttemptAt: at(50) });
    expect(wakes).toBe(2); // the insert, then the release
    expect(await store.claimDue(vendorA, 1, at(49), lease)).toEqual([]);
    expect(await store.claimDue(vendorA, 1, at(50), lease)).toHaveLength(1);
  });

  it('upgrades a version 2 file: destinations and due times filled in, the queue table dropped', () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'v2.db');
    const seeded = new Database(file);
    seeded.exec(VERSION_2_FIXTURE);
    seeded.close();

    const db = new SqliteDatabase(file);
    opened.push(db);
    const rows = db.read((c) =>
      c.prepare('SELECT status, destination, due_at FROM notification_states ORDER BY n').all(),
    );
    expect(rows).toEqual([
      { status: 'QUEUED', destination: 'https://vendor.example', due_at: Date.parse('2030-01-01T00:05:00.000Z') },
      { status: 'PROCESSING', destination: 'http://127.0.0.1:8080', due_at: Date.parse('2030-01-01T00:09:00.000Z') },
      { status: 'SUCCESS', destination: 'https://vendor.example', due_at: null },
    ]);
    expect(db.read((c) => c.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
    const tables = db.read((c) => c.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all());
    expect(tables).not.toContain('queue_messages');
    expect(tables).toContain('destinations');
    const orderingKeys = db.read((c) => c.prepare('SELECT ordering_key FROM notification_states').pluck().all());
    expect(orderingKeys).toEqual([null, null, null]);
  });

  it('upgrades a version 3 file: its notifications keep their state and have no ordering key', async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'v3.db');
    const current = new SqliteDatabase(file);
    const waiting = makeNotification();
    await new SqliteStore(current).insert(waiting);
    await current.close();
    // Version 3 is version 4 without the ordering columns and their index, and version 4 is 5 without callers.
    const downgraded = new Database(file);
    downgraded.exec(`ALTER TABLE notification_requests DROP COLUMN caller;
      DROP INDEX notification_states_ordering;
      ALTER TABLE notification_states DROP COLUMN ordering_key;
      ALTER TABLE notification_states DROP COLUMN ordering_seq;
      PRAGMA user_version = 3;`);
    downgraded.close();

    const db = new SqliteDatabase(file);
    opened.push(db);
    expect(db.read((c) => c.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
    const store = new SqliteStore(db);
    expect(await store.get(waiting.id)).toMatchObject({ status: 'PENDING', orderingKey: null });
    const claimed = await store.claimDue(waiting.destination, 10, new Date(Date.now() + 1000).toISOString(), lease);
    expect(claimed.map((n) => n.id)).toEqual([waiting.id]);
  });

  it('upgrades a version 4 file: its notifications were sent by the caller "default"', async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'v4.db');
    const current = new SqliteDatabase(file);
    const older = makeNotification();
    await new SqliteStore(current).insert(older);
    await current.close();
    // Version 4 is version 5 without the caller column.
    const downgraded = new Database(file);
    downgraded.exec(`ALTER TABLE notification_requests DROP COLUMN caller;
      PRAGMA user_version = 4;`);
    downgraded.close();

    const db = new SqliteDatabase(file);
    opened.push(db);
    expect(db.read((c) => c.pragma('user_version', { simple: true }))).toBe(SCHEMA_VERSION);
    const store = new SqliteStore(db);
    expect(await store.get(older.id)).toMatchObject({ caller: 'default', status: 'PENDING' });
    const newer = makeNotification({ caller: 'billing' });
    await store.insert(newer);
    expect((await store.get(newer.id))?.caller).toBe('billing');
  });

  it('gives the destinations of a file made before records expired a write time, except those an operator set', async () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'destinations.db');
    const current = new SqliteDatabase(file);
    const destinations = new SqliteDestinationStore(current);
    await destinations.put(newDestinationRecord('https://plain.example'), 0);
    await destinations.put({ ...newDestinationRecord('https://paused.example'), paused: true }, 0);
    await current.close();
    const before = new Database(file);
    before.exec('DROP INDEX destinations_by_written; ALTER TABLE destinations DROP COLUMN written_at;');
    before.close();

    const startedAt = Date.now();
    const db = new SqliteDatabase(file);
    opened.push(db);
    const rows = db.read((c) =>
      c.prepare('SELECT destination, written_at FROM destinations ORDER BY destination').all(),
    ) as { destination: string; written_at: number | null }[];
    expect(rows.map((row) => row.destination)).toEqual(['https://paused.example', 'https://plain.example']);
    expect(rows[0]?.written_at).toBeNull();
    expect(rows[1]?.written_at).toBeGreaterThanOrEqual(startedAt);
  });
});

/** A version 2 file as that version laid it out, with one notification in each kind of state. */
const VERSION_2_FIXTURE = `
CREATE TABLE notification_requests (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, url TEXT NOT NULL,
  method TEXT NOT NULL, headers TEXT NOT NULL, body TEXT NOT NULL, idempotency_key TEXT,
  max_attempts INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, metadata TEXT, request_hash TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX notification_requests_by_created ON notification_requests (created_at, id);
CREATE TABLE notification_states (n INTEGER PRIMARY KEY, status TEXT NOT NULL, attempts INTEGER NOT NULL,
  attempt_budget_start INTEGER NOT NULL, last_updated_at TEXT NOT NULL, last_delivery_attempt TEXT,
  next_attempt_at TEXT, delivered_at TEXT, lease_expires_at TEXT, delivery_result TEXT);
CREATE INDEX notification_states_pending ON notification_states (last_updated_at, n) WHERE status = 'PENDING';
CREATE INDEX notification_states_processing ON notification_states (status) WHERE status = 'PROCESSING';
CREATE TABLE delivery_attempts (n INTEGER NOT NULL, seq INTEGER NOT NULL, attempt TEXT NOT NULL,
  PRIMARY KEY (n, seq)) WITHOUT ROWID;
CREATE TABLE queue_messages (id INTEGER PRIMARY KEY, notification_id TEXT NOT NULL, visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0, receipt TEXT);
CREATE INDEX queue_messages_by_visible ON queue_messages (visible_at);
INSERT INTO notification_requests VALUES
  (1, 'a', 'https://VENDOR.example:443/hook?x=1', 'POST', '{}', 'null', NULL, 3, 5000, NULL, '', '2030-01-01T00:00:00.000Z'),
  (2, 'b', 'http://127.0.0.1:8080/hook', 'POST', '{}', 'null', NULL, 3, 5000, NULL, '', '2030-01-01T00:00:00.000Z'),
  (3, 'c', 'https://vendor.example/x', 'POST', '{}', 'null', NULL, 3, 5000, NULL, '', '2030-01-01T00:00:00.000Z');
INSERT INTO notification_states VALUES
  (1, 'QUEUED', 1, 0, '2030-01-01T00:01:00.000Z', NULL, '2030-01-01T00:05:00.000Z', NULL, NULL, NULL),
  (2, 'PROCESSING', 0, 0, '2030-01-01T00:07:30.000Z', NULL, NULL, NULL, '2030-01-01T00:09:00.000Z', NULL),
  (3, 'SUCCESS', 1, 0, '2030-01-01T00:02:00.000Z', NULL, NULL, '2030-01-01T00:02:00.000Z', NULL, NULL);
INSERT INTO queue_messages (notification_id, visible_at) VALUES ('a', 0);
PRAGMA user_version = 2;
`;
