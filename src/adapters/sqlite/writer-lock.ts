import Database from 'better-sqlite3';
import { createPrivately } from './sqlite-database.js';
import { translateSqliteError } from './sqlite-errors.js';

/** Another process holds the file: this one must not start on it. Its message names the file and the lock. */
export class DatabaseInUseError extends Error {
  override readonly name = 'DatabaseInUseError';
}

/**
 * One Herald process per SQLite file, enforced. A second process on the same file would take the
 * first one's live leases for a dead process's (startup-recovery.ts) and deliver every notification
 * in flight a second time, so it must refuse to start before it touches the file.
 *
 * The lock is an exclusive SQLite lock on a sibling file (`<db>.lock`): a connection of its own in
 * `locking_mode=EXCLUSIVE` with an open `BEGIN EXCLUSIVE` transaction, held until release(). SQLite
 * locks are POSIX advisory (fcntl) locks, which the kernel drops when the process ends however it
 * ends, SIGKILL included: a crashed holder never leaves a stale lock. A sibling file rather than the
 * database itself, so the database keeps WAL's concurrent readers (an operator's `sqlite3` shell, a
 * backup). Like any fcntl lock, it holds on local file systems; on NFS it depends on the server.
 */
export class SqliteWriterLock {
  private constructor(private readonly connection: Database.Database | null) {}

  /** Takes the lock for `dbPath` at once, or throws DatabaseInUseError; `:memory:` needs none. */
  static acquire(dbPath: string): SqliteWriterLock {
    if (dbPath === ':memory:') return new SqliteWriterLock(null);
    const lockPath = `${dbPath}.lock`;
    let connection: Database.Database | undefined;
    try {
      createPrivately(lockPath);
      // No busy timeout: a held lock is refused now, not after a wait that only delays the message.
      connection = new Database(lockPath, { timeout: 0 });
      connection.pragma('locking_mode = EXCLUSIVE');
      connection.exec('BEGIN EXCLUSIVE');
      return new SqliteWriterLock(connection);
    } catch (error) {
      connection?.close();
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_BUSY') {
        throw new DatabaseInUseError(
          `${dbPath} is in use by another Herald process, which holds the lock on ${lockPath}. ` +
            'Stop that process first, or give this one its own HERALD_DB_PATH: two processes on one file ' +
            'would each hand out work the other has in flight.',
        );
      }
      throw translateSqliteError(error);
    }
  }

  /** Lets another process take the file. */
  release(): void {
    this.connection?.close();
  }
}
