import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseInUseError, SqliteWriterLock } from '../../src/adapters/sqlite/writer-lock.js';

describe('SqliteWriterLock', () => {
  const dir = join(tmpdir(), `herald-lock-${randomUUID()}`);
  const dbPath = join(dir, 'herald.db');
  const held: SqliteWriterLock[] = [];
  afterEach(async () => {
    for (const lock of held.splice(0)) lock.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('is taken once: a second taker is refused with a message naming the file and the lock', () => {
    held.push(SqliteWriterLock.acquire(dbPath));
    expect(() => SqliteWriterLock.acquire(dbPath)).toThrow(DatabaseInUseError);
    expect(() => SqliteWriterLock.acquire(dbPath)).toThrow(
      `${dbPath} is in use by another Herald process, which holds the lock on ${dbPath}.lock`,
    );
  });

  it('is free again once released, and its file is the owner’s only', () => {
    SqliteWriterLock.acquire(dbPath).release();
    held.push(SqliteWriterLock.acquire(dbPath));
    expect(statSync(`${dbPath}.lock`).mode & 0o777).toBe(0o600);
  });

  it('guards each file on its own, and needs nothing for an in-memory database', () => {
    held.push(SqliteWriterLock.acquire(dbPath), SqliteWriterLock.acquire(join(dir, 'other.db')));
    held.push(SqliteWriterLock.acquire(':memory:'), SqliteWriterLock.acquire(':memory:'));
    expect(held).toHaveLength(4);
  });
});
