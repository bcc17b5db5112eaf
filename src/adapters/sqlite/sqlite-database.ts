import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BackendUnavailableError } from '../../domain/errors.js';
import { DurabilityLoss } from './durability-loss.js';
import { translateSqliteError } from './sqlite-errors.js';
import { prepareSchema, SchemaVersionError } from './sqlite-schema.js';

export type Connection = Database.Database;
export type Statement = Database.Statement;

export interface SqliteDatabaseOptions {
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Flushes the WAL file to the disk; node's `fs.fdatasync` unless a test plays a failing disk. */
  fdatasync?: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;
  /**
   * A test hook: while a file exists at this path, every fdatasync of the WAL fails with EIO, as on
   * a failing disk. Ignored when `fdatasync` is given.
   */
  failSyncWhileExists?: string;
  /** Flushes the directory holding the file, once it and its WAL exist; node's `fs.fsyncSync` unless a test watches it. */
  fsyncDirectory?: (fd: number) => void;
  /**
   * Shared by the process's connections to the file (DurabilityLoss): one that saw an fdatasync
   * fail stops the others acknowledging. A connection of its own unless given.
   */
  durabilityLoss?: DurabilityLoss;
  /**
   * Called once when this connection finds durability lost (its fdatasync failed, or another
   * connection's did): from then on every write is refused. The process should exit so that a
   * restart recovers from what the WAL holds on disk.
   */
  onDurabilityLost?: (error: Error) => void;
  /**
   * SQLite's `max_page_count` on this connection, set once the schema is ready (SQLite raises a value
   * below the file's current size to that size). A test hook: a write that would grow the file
   * past it fails with SQLITE_FULL, as on a full disk, which tests cannot fill.
   */
  maxPageCount?: number;
  /**
   * Creates the file, for its owner only, before opening it (createPrivately). False for a second
   * connection to a file this process already holds open: closing a descriptor of that file would
   * release the first connection's POSIX locks on it.
   */
  createFile?: boolean;
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

/**
 * How long a write may wait for company before its batch is flushed: writes arriving meanwhile share
 * its transaction and its fdatasync. Flushing at the end of every event-loop turn made a transaction
 * (and an fdatasync) of almost every write at a moderate load: at an open-loop 1,000 notifications/s
 * the service used all of one core; with these waits 81–94% in the same runs, ingest p50 ~0.7 ms
 * later (docs/performance.md, "Group commit at a moderate load"). A `committed` write (a claim, an
 * outcome) waits longer: it usually rides in the next ingest's batch.
 */
const FLUSH_WAIT_MS: Record<Durability, number> = { onDisk: 1, committed: 2 };
/**
 * A batch this large is flushed at the end of the turn without waiting: under a full load it has
 * its company already, and a wait would only idle the event loop (measured: ~10% fewer deliveries a
 * second at 64 connections when every batch waited).
 */
const FLUSH_AT_ONCE_WRITES = 8;

const RUN_AGAIN_WITH_SAVEPOINTS = Symbol('run again with savepoints');
const FAILED = Symbol('every write failed');
type BatchFailure = typeof RUN_AGAIN_WITH_SAVEPOINTS | typeof FAILED;

/**
 * A SQLite file opened for durability (WAL) with group commit: the writes submitted within a
 * millisecond or two (FLUSH_WAIT_MS) run in a single transaction, so one fsync covers many
 * notifications. A write that throws is rolled back alone and only its promise rejects (the batch
 * then runs again with a SAVEPOINT per write). Reads are synchronous and see committed data only (they never run while a
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
  /** When the scheduled flush runs (performance.now()); undefined when none is scheduled. */
  #flushDue: number | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #flushImmediate: NodeJS.Immediate | undefined;
  #closed = false;
  #committedTransactions = 0;
  /** The WAL file, fdatasync'd after each commit; null for an in-memory database (nothing to sync). */
  readonly #walFd: number | null = null;
  /** Committed, waiting for the next fdatasync. */
  #unsynced: CommittedBatch[] = [];
  /** The fdatasync in progress; undefined when none is. */
  #syncing: Promise<void> | undefined;
  readonly #fdatasync: NonNullable<SqliteDatabaseOptions['fdatasync']>;
  readonly #durabilityLoss: DurabilityLoss;
  readonly #onDurabilityLost: (error: Error) => void;
  /** Why this connection refuses writes since durability was lost; undefined while it was not. */
  #lostBecause: BackendUnavailableError | undefined;

  constructor(path: string, options: SqliteDatabaseOptions = {}) {
    this.path = path;
    this.#fdatasync = options.fdatasync ?? syncFailingWhileExists(options.failSyncWhileExists);
    this.#durabilityLoss = options.durabilityLoss ?? new DurabilityLoss();
    this.#onDurabilityLost = options.onDurabilityLost ?? (() => {});
    let db: Connection | undefined;
    try {
      if (path !== ':memory:' && options.createFile !== false) createPrivately(path);
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      // No fsync at COMMIT: #syncCommitted does it off the event loop (see the class comment).
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      prepareSchema(db, path);
      if (options.maxPageCount !== undefined)
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxPageCount))}`);
      if (path !== ':memory:') {
        this.#walFd = openSync(`${path}-wal`, 'r');
        // The file and its WAL may be new (the last connection to close deletes the WAL): their names
        // are durable only once their directory is, and a record in a WAL that has none is lost.
        syncDirectoryOf(path, options.fsyncDirectory ?? fsyncSync);
      }
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
   * Submits a synchronous write. It runs in the next batch flushed, at most FLUSH_WAIT_MS from now
   * (at the end of this turn once FLUSH_AT_ONCE_WRITES are pending); the promise settles once that
   * transaction is on disk, or committed only (`durability`), or has failed.
   */
  write<T>(fn: (db: Connection) => T, durability: Durability = 'onDisk'): Promise<T> {
    if (this.#closed) return Promise.reject(new BackendUnavailableError('sqlite', new Error('database is closed')));
    const lost = this.#lost();
    if (lost) return Promise.reject(lost);
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, durability, resolve: resolve as (value: unknown) => void, reject });
      const waitMs = this.#pending.length >= FLUSH_AT_ONCE_WRITES ? 0 : FLUSH_WAIT_MS[durability];
      const due = performance.now() + waitMs;
      if (this.#flushDue === undefined || due < this.#flushDue) {
        this.#cancelScheduledFlush();
        this.#flushDue = due;
        if (waitMs === 0) this.#flushImmediate = setImmediate(this.#flush);
        else this.#flushTimer = setTimeout(this.#flush, waitMs);
      }
    });
  }

  #cancelScheduledFlush(): void {
    this.#flushDue = undefined;
    clearTimeout(this.#flushTimer);
    clearImmediate(this.#flushImmediate);
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
    this.#cancelScheduledFlush();
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const lost = this.#lost();
    if (lost) {
      failAll(batch, lost);
      return;
    }
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
   * fails (or another connection's did meanwhile) the writes reject although their transactions
   * committed: whether they would survive a power loss is unknown, and a caller who retries gets at
   * most a duplicate (at least once). Durability is then lost for good (#lost).
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
      if (error) this.#durabilityLoss.declare();
      const lost = this.#lost(error ?? undefined);
      for (const committed of covered) {
        if (lost) failAll(committed.writes.filter(waitsForDisk), lost);
        else settle(committed, waitsForDisk);
      }
      if (lost)
        failAll(
          this.#unsynced.splice(0).flatMap((committed) => committed.writes.filter(waitsForDisk)),
          lost,
        );
      else this.#syncCommitted(walFd);
      done();
    });
  }

  /**
   * Undefined while the file's durability holds; else the error every write is refused with. The
   * first time a connection finds it lost (its own fdatasync failed with `cause`, or the shared
   * flag says another connection's did) it tells its owner, once.
   */
  #lost(cause?: Error): BackendUnavailableError | undefined {
    if (this.#lostBecause) return this.#lostBecause;
    if (!this.#durabilityLoss.lost) return undefined;
    const error = cause ?? new Error('an fdatasync of this database failed on another connection');
    this.#lostBecause = new BackendUnavailableError('sqlite', error);
    this.#onDurabilityLost(error);
    return this.#lostBecause;
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

/**
 * Creates the database file, and its directory, for this user only (0600, 0700) before SQLite
 * opens it: the file holds every notification's headers and body, credentials included. SQLite
 * gives the -wal and -shm files it creates the database file's mode. An existing file keeps the mode
 * its owner chose.
 */
export function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
}

/** Node's fdatasync, or one that fails with EIO while a file exists at `trigger` (a test hook). */
function syncFailingWhileExists(trigger: string | undefined): NonNullable<SqliteDatabaseOptions['fdatasync']> {
  if (trigger === undefined) return fdatasync;
  return (fd, callback) => {
    if (!existsSync(trigger)) return fdatasync(fd, callback);
    const error: NodeJS.ErrnoException = Object.assign(new Error('EIO: i/o error, fdatasync'), {
      code: 'EIO',
      syscall: 'fdatasync',
    });
    process.nextTick(callback, error);
  };
}

function syncDirectoryOf(path: string, fsyncDirectory: (fd: number) => void): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncDirectory(fd);
  } finally {
    closeSync(fd);
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
