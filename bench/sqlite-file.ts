import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface SqliteFileStats {
  pageSize: number;
  /** Pages in the database (PRAGMA page_count), as of the last commit, WAL included. */
  pages: number;
  /** Of those, pages on the free list: space the file holds that new rows will reuse. */
  freePages: number;
  /** The size of the -wal file beside it: SQLite keeps it at its largest until the last connection closes. */
  walBytes: number;
}

/**
 * Reads a Herald SQLite file from outside the server, on a read-only connection of its own opened
 * for each call, so nothing is held open between samples: the server's checkpoints never wait for
 * this reader longer than one short read transaction.
 */
function read<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.transaction(() => fn(db))();
  } finally {
    db.close();
  }
}

/** Page counts from the file's header: cheap enough to sample beside a latency measurement. */
export function sqliteFileStats(path: string): SqliteFileStats {
  const wal = `${path}-wal`;
  const walBytes = existsSync(wal) ? statSync(wal).size : 0;
  return read(path, (db) => ({
    walBytes,
    pageSize: db.pragma('page_size', { simple: true }) as number,
    pages: db.pragma('page_count', { simple: true }) as number,
    freePages: db.pragma('freelist_count', { simple: true }) as number,
  }));
}

/** Notifications stored: a scan of the table, for when no measurement is running. */
export function countNotifications(path: string): number {
  return read(path, (db) => db.prepare('SELECT count(*) FROM notification_requests').pluck().get() as number);
}

/**
 * The createdAt of the oldest notification in the file (null when it holds none): one step down the
 * created-at index, cheap enough to poll beside a latency measurement in the same process.
 */
export function oldestCreatedAt(path: string): string | null {
  return read(
    path,
    (db) => (db.prepare('SELECT min(created_at) FROM notification_requests').pluck().get() as string | null) ?? null,
  );
}
