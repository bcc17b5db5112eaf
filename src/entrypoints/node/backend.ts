import type { DurabilityLoss } from '../../adapters/sqlite/durability-loss.js';
import { SqliteDatabase } from '../../adapters/sqlite/sqlite-database.js';
import { SqliteDestinationSecretStore } from '../../adapters/sqlite/sqlite-destination-secret-store.js';
import { SqliteDestinationStore } from '../../adapters/sqlite/sqlite-destination-store.js';
import { SqliteRecoveryStore } from '../../adapters/sqlite/sqlite-recovery-store.js';
import { SqliteStore } from '../../adapters/sqlite/sqlite-store.js';
import { releaseLeasesOfDeadProcess } from '../../adapters/sqlite/startup-recovery.js';
import { SqliteWriterLock } from '../../adapters/sqlite/writer-lock.js';
import type { HeraldConfig } from '../../config.js';
import type { DeliveryQueue } from '../../ports/delivery-queue.js';
import type { Logger } from '../../ports/logger.js';
import { staticSigningSecrets } from '../../ports/signing-secrets.js';
import type { OpenedSigningSecrets } from '../aws-signing-secrets.js';
import type { Backend } from '../backend.js';
import { WakeSignal } from './wake-signal.js';

/**
 * In the single process the store is the queue: a notification is claimable from its row as soon as
 * it is stored, and the store wakes the worker itself, so there is nothing to send.
 */
const storeIsTheQueue: DeliveryQueue = { send: async () => {} };

/**
 * What the process's connections to its SQLite file share (the delivery thread's too), and what the
 * main thread's does when it finds an fdatasync failed (sqlite-database.ts, onDurabilityLost).
 */
export interface SqliteDurability {
  loss: DurabilityLoss;
  onLost(error: Error): void;
}

/** The store and queue HERALD_BACKEND names; config validation has already refused any other value. */
export async function openBackend(
  config: HeraldConfig,
  logger: Logger,
  durability: SqliteDurability,
): Promise<Backend> {
  switch (config.backend) {
    case 'sqlite':
      return openSqliteBackend(config, logger, durability);
    case 'aws':
      // Loaded only when asked for, so the SQLite mode never loads the AWS SDK.
      return (await import('../aws-backend.js')).openAwsBackend(config, { logger });
  }
}

/** The signing secrets; the AWS SDK is loaded only when they are in Secrets Manager. */
export async function openSigningSecrets(config: HeraldConfig): Promise<OpenedSigningSecrets> {
  if (config.signingSecretArn === undefined)
    return { secrets: staticSigningSecrets(config.signingSecrets), close() {} };
  return (await import('../aws-signing-secrets.js')).openSigningSecrets(config);
}

async function openSqliteBackend(config: HeraldConfig, logger: Logger, durability: SqliteDurability): Promise<Backend> {
  // First of all: the leases released below are another live process's if it holds the file.
  const lock = SqliteWriterLock.acquire(config.dbPath);
  let db: SqliteDatabase | undefined;
  try {
    db = new SqliteDatabase(config.dbPath, {
      maxPageCount: config.dbMaxPageCount,
      failSyncWhileExists: config.dbFailSyncWhileExists,
      durabilityLoss: durability.loss,
      onDurabilityLost: durability.onLost,
    });
    const released = await releaseLeasesOfDeadProcess(db, new Date());
    // Which store and file, and what a previous process left in flight; a fresh file says only that.
    logger.info(
      { backend: 'sqlite', dbPath: config.dbPath, ...released },
      released.claims > 0
        ? `SQLite store opened; ${released.claims} deliveries a previous process left in flight are due again`
        : 'SQLite store opened',
    );
    const opened = db;
    return sqliteBackendOn(opened, async () => {
      await opened.close();
      lock.release();
    });
  } catch (error) {
    await db?.close();
    lock.release();
    throw error;
  }
}

/** The stores over an open SQLite connection, the store being the queue; `close` closes what was opened. */
export function sqliteBackendOn(db: SqliteDatabase, close: () => Promise<void>): Backend {
  const wake = new WakeSignal();
  const store = new SqliteStore(db, { onWorkDue: () => wake.notify() });
  const destinations = new SqliteDestinationStore(db);
  return {
    store,
    queue: storeIsTheQueue,
    destinations,
    recoveries: new SqliteRecoveryStore(db),
    // The only process on its file (it holds the lock). Beside a delivery thread the main thread tells
    // it of each record it changes, and trusts no copy of its own (herald-server.ts, mainThreadBackend).
    destinationCacheMs: Number.POSITIVE_INFINITY,
    destinationSecrets: new SqliteDestinationSecretStore(db),
    // Read per signed delivery (a primary-key lookup): a rotation made on the main thread is seen by
    // the delivery thread's next delivery.
    destinationSecretsCacheMs: 0,
    claimable: { store, wake },
    purgeable: store,
    purgeableDestinations: destinations,
    close,
  };
}
