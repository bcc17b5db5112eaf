import { SqliteDatabase } from '../../adapters/sqlite/sqlite-database.js';
import { SqliteQueue } from '../../adapters/sqlite/sqlite-queue.js';
import { SqliteStore } from '../../adapters/sqlite/sqlite-store.js';
import { releaseLeasesOfDeadProcess } from '../../adapters/sqlite/startup-recovery.js';
import { SqliteWriterLock } from '../../adapters/sqlite/writer-lock.js';
import type { HeraldConfig } from '../../config.js';
import type { Logger } from '../../ports/logger.js';
import type { Backend } from '../backend.js';

/** The store and queue HERALD_BACKEND names; config validation has already refused any other value. */
export async function openBackend(config: HeraldConfig, logger: Logger): Promise<Backend> {
  switch (config.backend) {
    case 'sqlite':
      return openSqliteBackend(config, logger);
    case 'aws':
      // Loaded only when asked for, so the SQLite mode never loads the AWS SDK.
      return (await import('../aws-backend.js')).openAwsBackend(config);
  }
}

async function openSqliteBackend(config: HeraldConfig, logger: Logger): Promise<Backend> {
  // First of all: the leases released below are another live process's if it holds the file.
  const lock = SqliteWriterLock.acquire(config.dbPath);
  let db: SqliteDatabase | undefined;
  try {
    db = new SqliteDatabase(config.dbPath);
    const queue = new SqliteQueue(db);
    const released = await releaseLeasesOfDeadProcess(db, new Date());
    logger.info(
      { dbPath: config.dbPath, ...released },
      'SQLite store opened; work left by a previous process released',
    );
    const opened = db;
    return {
      store: new SqliteStore(opened),
      queue,
      async close() {
        queue.close();
        await opened.close();
        lock.release();
      },
    };
  } catch (error) {
    await db?.close();
    lock.release();
    throw error;
  }
}
