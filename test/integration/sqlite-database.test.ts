import { randomUUID } from 'node:crypto';
import { chmodSync, fdatasync as fsFdatasync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteQueue } from '../../src/adapters/sqlite/sqlite-queue.js';
import { SCHEMA_VERSION } from '../../src/adapters/sqlite/sqlite-schema.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { acceptNotification } from '../../src/app/accept-notification.js';
import { BackendUnavailableError, HeraldError } from '../../src/domain/errors.js';
import type { Clock } from '../../src/ports/clock.js';
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

  it('rejects the on-disk writes of a commit whose fdatasync failed, and answers the committed-only ones', async () => {
    let failing = false;
    const db = open({
      fdatasync: (fd, callback) => {
        if (failing) callback(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
        else fsFdatasync(fd, callback);
      },
    });
    await createScratch(db);
    failing = true;

    const [onDisk, committed] = await Promise.allSettled([
      insertScratch(db, 'disk', 1),
      db.write(() => db.statement('INSERT INTO scratch (k, v) VALUES (?, ?)').run('commit', 2).changes, 'committed'),
    ]);

    expect(onDisk.status).toBe('rejected');
    expect((onDisk as PromiseRejectedResult).reason).toBeInstanceOf(BackendUnavailableError);
    expect(committed).toEqual({ status: 'fulfilled', value: 1 });
    // The transaction committed; only its durability is unknown.
    expect(countScratch(db)).toBe(2);
    failing = false;
    expect(await insertScratch(db, 'after', 3)).toBe(1);
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

describe('ingest on SQLite', () => {
  it('sends the message and stores the record of a keyless notification in one commit', async () => {
    const db = open();
    const deps = { ...fakeDependencies(), store: new SqliteStore(db), queue: new SqliteQueue(db) };
    const before = db.committedTransactions;

    const { notification } = await acceptNotification(deps, { url: 'https://vendor.example/a', body: { a: 1 } });

    expect(db.committedTransactions - before).toBe(1);
    expect(notification.status).toBe('QUEUED');
    expect(await deps.store.get(notification.id)).toMatchObject({ status: 'QUEUED' });
    const messages = await deps.queue.receive({ maxMessages: 10, visibilityTimeoutMs: 30_000, waitTimeMs: 0 });
    expect(messages.map((m) => m.notificationId)).toEqual([notification.id]);
  });
});

describe('SqliteQueue on SQLite specifics', () => {
  function fakeClock(start = Date.UTC(2030, 0, 1)): Clock & { advance(ms: number): void } {
    let now = start;
    return {
      now: () => new Date(now),
      advance: (ms) => {
        now += ms;
      },
    };
  }
  const receive = { maxMessages: 10, visibilityTimeoutMs: 30_000, waitTimeMs: 0 };

  it('ignores a delete with a stale receipt handle', async () => {
    const clock = fakeClock();
    const queue = new SqliteQueue(open(), { clock });
    await queue.send('n-1');
    const [first] = await queue.receive(receive);
    clock.advance(30_001);
    const [second] = await queue.receive(receive);
    expect(second?.receiveCount).toBe(2);

    await queue.delete(first as NonNullable<typeof first>);
    await queue.delete({ notificationId: 'n-1', receiptHandle: 'garbage', receiveCount: 1 });

    clock.advance(30_001);
    const [third] = await queue.receive(receive);
    expect(third).toMatchObject({ notificationId: 'n-1', receiveCount: 3 });
    await queue.delete(third as NonNullable<typeof third>);
    clock.advance(30_001);
    expect(await queue.receive(receive)).toEqual([]);
  });

  it('hands in-flight messages to the next process after a restart, once their visibility lapses', async () => {
    const clock = fakeClock();
    const before = new SqliteQueue(open(), { clock });
    await before.send('in-flight');
    expect(await before.receive(receive)).toHaveLength(1);
    await opened[0]?.close();

    const after = new SqliteQueue(open(), { clock });
    expect(await after.receive(receive)).toEqual([]);
    clock.advance(30_001);
    expect(await after.receive(receive)).toMatchObject([{ notificationId: 'in-flight', receiveCount: 2 }]);
  });

  it('leases a batch in one transaction', async () => {
    const db = open();
    const queue = new SqliteQueue(db);
    await Promise.all(Array.from({ length: 50 }, (_, i) => queue.send(`n-${i}`)));
    const before = db.committedTransactions;

    const messages = await queue.receive({ ...receive, maxMessages: 50 });

    expect(messages).toHaveLength(50);
    expect(new Set(messages.map((m) => m.notificationId)).size).toBe(50);
    expect(db.committedTransactions - before).toBe(1);
  });

  it('gives each message to one of many concurrent receivers', async () => {
    const queue = new SqliteQueue(open());
    const ids = Array.from({ length: 30 }, (_, i) => `n-${i}`);
    await Promise.all(ids.map((id) => queue.send(id)));

    const batches = await Promise.all(
      Array.from({ length: 8 }, () => queue.receive({ ...receive, maxMessages: 4, waitTimeMs: 200 })),
    );

    const received = batches.flat().map((m) => m.notificationId);
    expect(received.sort()).toEqual([...ids].sort());
  });

  it('wakes a long poll on a send in this process, without waiting for its poll interval', async () => {
    const queue = new SqliteQueue(open(), { pollIntervalMs: 60_000 });
    const polling = queue.receive({ ...receive, waitTimeMs: 10_000 });
    const sentAt = Date.now();
    await queue.send('wake-up');

    expect(await polling).toMatchObject([{ notificationId: 'wake-up' }]);
    expect(Date.now() - sentAt).toBeLessThan(1000);
  });

  it('wakes a long poll when a delayed message falls due', async () => {
    const queue = new SqliteQueue(open(), { pollIntervalMs: 60_000 });
    await queue.send('later', 300);
    const startedAt = Date.now();

    const messages = await queue.receive({ ...receive, waitTimeMs: 10_000 });

    expect(messages).toMatchObject([{ notificationId: 'later' }]);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('ends long polls in progress on close', async () => {
    const queue = new SqliteQueue(open());
    const startedAt = Date.now();
    const polling = queue.receive({ ...receive, waitTimeMs: 10_000 });

    queue.close();

    expect(await polling).toEqual([]);
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });
});
