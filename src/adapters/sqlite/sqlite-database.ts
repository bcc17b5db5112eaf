import { closeSync, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BackendUnavailableError, HeraldError } from '../../domain/errors.js';

export type Connection = Database.Database;
export type Statement = Database.Statement;

export interface SqliteDatabaseOptions {
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Flushes the WAL file to the disk; node's `fs.fdatasync` unless a test plays a failing disk. */
  fdatasync?: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;
}

/**
 * The layout below; stored in the file as `PRAGMA user_version`. A file with another version (or an
 * unversioned file of the layout before versioning) is refused rather than written to.
 */
export const SCHEMA_VERSION = 2;

/**
 * One schema for the store and the queue, so a notification and its queue message live in one file.
 * Timestamps of notifications are ISO-8601 UTC text (they sort as text); queue times are epoch ms.
 *
 * Laid out to write few bytes per notification (the WAL is fsync'd at every commit: the disk is the cost):
 * - the request (body included) is written once to `notification_requests`; the state that
 *   markQueued, claim and recordAttempt rewrite is a small row of `notification_states`, with the
 *   same integer key `n` (assigned in insertion order, so recent rows share a few tail pages);
 * - the only index keyed by the random UUID is the one that finds `n` from an id;
 * - the attempt history is clustered by (n, seq), appended at the tail;
 * - the partial indexes cover the short-lived PENDING and PROCESSING sets only. Listing by status
 *   walks `notification_requests_by_created` and filters: an operator query, slower but paginated.
 */
const SCHEMA = `
CREATE TABLE notification_requests (
  n INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  method TEXT NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  idempotency_key TEXT,
  max_attempts INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  metadata TEXT,
  request_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX notification_requests_by_created ON notification_requests (created_at, id);
CREATE TABLE notification_states (
  n INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  attempt_budget_start INTEGER NOT NULL,
  last_updated_at TEXT NOT NULL,
  last_delivery_attempt TEXT,
  next_attempt_at TEXT,
  delivered_at TEXT,
  lease_expires_at TEXT,
  delivery_result TEXT
);
CREATE INDEX notification_states_pending ON notification_states (last_updated_at, n) WHERE status = 'PENDING';
CREATE INDEX notification_states_processing ON notification_states (status) WHERE status = 'PROCESSING';
CREATE TABLE delivery_attempts (
  n INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  attempt TEXT NOT NULL,
  PRIMARY KEY (n, seq)
) WITHOUT ROWID;
CREATE TABLE queue_messages (
  id INTEGER PRIMARY KEY,
  notification_id TEXT NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  receipt TEXT
);
CREATE INDEX queue_messages_by_visible ON queue_messages (visible_at);
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/** A file this version must not write to; its message says why and what to do. */
class SchemaVersionError extends Error {}

/**
 * Creates the schema in a file that has none, and refuses a file laid out by another version:
 * writing to it would corrupt it. Runs in one write transaction, so two processes opening a new file
 * at once create the schema once.
 */
function prepareSchema(db: Connection, path: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
      if (tables > 0) {
        throw new SchemaVersionError(
          `${path} holds Herald data without a schema version (the layout before version ${SCHEMA_VERSION}); ` +
            'this version cannot read it. Start with a new file (HERALD_DB_PATH) or the Herald version that wrote it.',
        );
      }
      db.exec(SCHEMA);
    } else if (version !== SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `${path} has schema version ${version}; this Herald reads version ${SCHEMA_VERSION} only. ` +
          'Start with a new file (HERALD_DB_PATH) or the Herald version that wrote it.',
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** Codes that say the database cannot do its job right now, as opposed to a faulty statement. */
const UNAVAILABLE_CODE =
  /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|CORRUPT|NOTADB|READONLY|PROTOCOL|NOMEM|PERM|NOLCK|INTERRUPT|AUTH)/;

/** Turns a SQLite error into one of ours, so no SQLite error type leaves the adapter. */
export function translateSqliteError(error: unknown): unknown {
  if (error instanceof HeraldError) return error;
  if (error instanceof Database.SqliteError) {
    if (UNAVAILABLE_CODE.test(error.code)) return new BackendUnavailableError('sqlite', error);
    return new HeraldError('SYSTEM_ERROR', `SQLite statement failed (${error.code})`, {}, { cause: error });
  }
  // better-sqlite3 throws a TypeError when the connection was closed under us.
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new BackendUnavailableError('sqlite', error);
  }
  return error;
}

/**
 * When a write's promise settles. `onDisk`: once the WAL frames of its commit are on disk — for
 * what a caller is told is stored. `committed`: at COMMIT — for a write whose loss in a power
 * failure only makes work happen again (a lease, a claim, an attempt's outcome while the message
 * that carries the notification is still queued). The WAL is replayed in commit order, so the next
 * `onDisk` write makes every write committed before it durable too.
 */
export type Durability = 'onDisk' | 'committed';

interface PendingWrite {
  fn: (db: Connection) => unknown;
  durability: Durability;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A committed batch, whose `onDisk` writes are answered once the WAL holding it is on disk. */
interface CommittedBatch {
  writes: PendingWrite[];
  outcomes: Outcome[];
}

const RUN_AGAIN_WITH_SAVEPOINTS = Symbol('run again with savepoints');
const FAILED = Symbol('every write failed');
type BatchFailure = typeof RUN_AGAIN_WITH_SAVEPOINTS | typeof FAILED;

/**
 * A SQLite file opened for durability (WAL) with group commit: every write submitted during one
 * event-loop turn runs in a single transaction, so one fsync covers many notifications. A write that
 * throws is rolled back alone and only its promise rejects (the batch then runs again with a
 * SAVEPOINT per write). Reads are synchronous and see committed data only (they never run while a
 * batch is open, because a batch runs synchronously from start to COMMIT).
 *
 * Durability is synchronous=FULL's — an `onDisk` write is not answered before the WAL frames of
 * its commit are on disk, so an accepted notification survives power loss — but the fsync is not
 * SQLite's: with FULL, COMMIT blocks the event loop on the disk for milliseconds. Here the
 * connection runs synchronous=NORMAL (no fsync at COMMIT; checkpoints still fsync) and the WAL file
 * is fdatasync'd on libuv's thread pool after a COMMIT, the batch's `onDisk` writes settling when
 * it returns; batches committed meanwhile share the next fdatasync.
 */
export class SqliteDatabase {
  readonly path: string;
  readonly #db: Connection;
  readonly #statements = new Map<string, Statement>();
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #closed = false;
  #committedTransactions = 0;
  /** The WAL file, fdatasync'd after each commit; null for an in-memory database (nothing to sync). */
  readonly #walFd: number | null = null;
  /** Committed, waiting for the next fdatasync. */
  #unsynced: CommittedBatch[] = [];
  /** The fdatasync in progress; undefined when none is. */
  #syncing: Promise<void> | undefined;
  readonly #fdatasync: NonNullable<SqliteDatabaseOptions['fdatasync']>;

  constructor(path: string, options: SqliteDatabaseOptions = {}) {
    this.path = path;
    this.#fdatasync = options.fdatasync ?? fdatasync;
    let db: Connection | undefined;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      // No fsync at COMMIT: #syncCommitted does it off the event loop (see the class comment).
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      prepareSchema(db, path);
      if (path !== ':memory:') this.#walFd = openSync(`${path}-wal`, 'r');
    } catch (error) {
      if (this.#walFd !== null) closeSync(this.#walFd);
      db?.close();
      const unavailable = new BackendUnavailableError('sqlite', error);
      if (error instanceof SchemaVersionError) unavailable.message = `${unavailable.message}: ${error.message}`;
      throw unavailable;
    }
    this.#db = db;
  }

  /** Transactions committed so far; with group commit, fewer than the writes submitted. */
  get committedTransactions(): number {
    return this.#committedTransactions;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A prepared statement, compiled once per connection. */
  statement(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs a synchronous read, translating SQLite errors. */
  read<T>(fn: (db: Connection) => T): T {
    if (this.#closed) throw new BackendUnavailableError('sqlite', new Error('database is closed'));
    try {
      return fn(this.#db);
    } catch (error) {
      throw translateSqliteError(error);
    }
  }

  /**
   * Submits a synchronous write. It runs in the transaction of the current turn's batch; the promise
   * settles once that transaction is on disk, or committed only (`durability`), or has failed.
   */
  write<T>(fn: (db: Connection) => T, durability: Durability = 'onDisk'): Promise<T> {
    if (this.#closed) return Promise.reject(new BackendUnavailableError('sqlite', new Error('database is closed')));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, durability, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /** Commits what is pending, then closes the file. Writes submitted afterwards are rejected. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    while (this.#syncing) await this.#syncing;
    if (this.#walFd !== null) closeSync(this.#walFd);
    // The last connection to close checkpoints the WAL into the database file and removes it.
    this.#db.close();
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    // Most batches have no failing write: run them without a SAVEPOINT per write (two statements
    // each). When one throws, the whole transaction is rolled back and the batch runs again with
    // savepoints, so only the failing write is undone. Running a write twice is safe: a write is a
    // function of the database alone, and the first run left nothing behind.
    let outcomes = this.#runBatch(batch, false);
    if (outcomes === RUN_AGAIN_WITH_SAVEPOINTS) outcomes = this.#runBatch(batch, true);
    if (outcomes === FAILED || outcomes === RUN_AGAIN_WITH_SAVEPOINTS) return;
    this.#committedTransactions++;
    const committed: CommittedBatch = { writes: batch, outcomes };
    // Without a WAL (in memory) there is no disk to wait for.
    if (this.#walFd === null) {
      settle(committed, () => true);
      return;
    }
    settle(committed, settlesAtCommit);
    if (!batch.some(waitsForDisk)) return;
    this.#unsynced.push(committed);
    this.#syncCommitted(this.#walFd);
  };

  /**
   * Answers the committed batches once an fdatasync of the WAL, started after their COMMITs, has
   * returned. One runs at a time; the batches committed while it runs wait for the next one. If it
   * fails the writes reject although their transactions committed: whether they would survive a
   * power loss is unknown, and a caller who retries gets at most a duplicate (at least once).
   */
  #syncCommitted(walFd: number): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const covered = this.#unsynced;
    this.#unsynced = [];
    let done = () => {};
    this.#syncing = new Promise<void>((resolve) => {
      done = resolve;
    });
    // Started after #syncing is set: a callback that came back at once must still find it to clear.
    this.#fdatasync(walFd, (error) => {
      this.#syncing = undefined;
      for (const committed of covered) {
        if (error) failAll(committed.writes.filter(waitsForDisk), new BackendUnavailableError('sqlite', error));
        else settle(committed, waitsForDisk);
      }
      this.#syncCommitted(walFd);
      done();
    });
  }

  /**
   * Runs the batch in one transaction and commits it, answering each write's outcome. Without
   * savepoints, the first write that throws rolls everything back: RUN_AGAIN_WITH_SAVEPOINTS. An
   * error of the transaction itself (BEGIN, a rollback, COMMIT) rejects every write: FAILED.
   */
  #runBatch(batch: PendingWrite[], withSavepoints: boolean): Outcome[] | BatchFailure {
    const db = this.#db;
    try {
      this.statement('BEGIN IMMEDIATE').run();
    } catch (error) {
      failAll(batch, translateSqliteError(error));
      return FAILED;
    }
    const outcomes: Outcome[] = [];
    for (const write of batch) {
      if (!withSavepoints) {
        try {
          outcomes.push({ ok: true, value: write.fn(db) });
          continue;
        } catch {
          this.#abandon();
          return RUN_AGAIN_WITH_SAVEPOINTS;
        }
      }
      try {
        this.statement('SAVEPOINT herald_write').run();
        const value = write.fn(db);
        this.statement('RELEASE herald_write').run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        try {
          // SQLite rolls the whole transaction back on some errors (IOERR, FULL): nothing was kept.
          if (!db.inTransaction) throw error;
          this.statement('ROLLBACK TO herald_write').run();
          this.statement('RELEASE herald_write').run();
        } catch (fatal) {
          this.#abandon();
          failAll(batch, translateSqliteError(fatal));
          return FAILED;
        }
        outcomes.push({ ok: false, error: translateSqliteError(error) });
      }
    }
    try {
      this.statement('COMMIT').run();
    } catch (error) {
      this.#abandon();
      failAll(batch, translateSqliteError(error));
      return FAILED;
    }
    return outcomes;
  }

  #abandon(): void {
    try {
      if (this.#db.inTransaction) this.statement('ROLLBACK').run();
    } catch {
      // The transaction is gone either way; the callers learn of the original error.
    }
  }
}

const waitsForDisk = (write: PendingWrite) => write.durability === 'onDisk';
const settlesAtCommit = (write: PendingWrite) => write.durability === 'committed';

/** Answers the writes of a committed batch that `now` selects. */
function settle({ writes, outcomes }: CommittedBatch, now: (write: PendingWrite) => boolean): void {
  for (let i = 0; i < writes.length; i++) {
    const write = writes[i] as PendingWrite;
    if (!now(write)) continue;
    const outcome = outcomes[i] as Outcome;
    if (outcome.ok) write.resolve(outcome.value);
    else write.reject(outcome.error);
  }
}

function failAll(batch: PendingWrite[], error: unknown): void {
  for (const write of batch) write.reject(error);
}
