import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteDestinationSecretStore } from '../../src/adapters/sqlite/sqlite-destination-secret-store.js';
import { SqliteDestinationStore } from '../../src/adapters/sqlite/sqlite-destination-store.js';
import { SqliteRecoveryStore } from '../../src/adapters/sqlite/sqlite-recovery-store.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { describeDestinationSecretStoreContract } from './destination-secret-store.contract.js';
import { describeDestinationStoreContract } from './destination-store.contract.js';
import { describeRecoveryStoreContract } from './recovery-store.contract.js';
import { describeStoreContract } from './store.contract.js';

/** A database on a fresh file of its own; cleanup closes it and removes the file with its WAL. */
async function freshDatabase(): Promise<{ db: SqliteDatabase; cleanup(): Promise<void> }> {
  const dir = join(tmpdir(), `herald-contract-${randomUUID()}`);
  const db = new SqliteDatabase(join(dir, 'herald.db'));
  return {
    db,
    async cleanup() {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('SqliteStore', async () => {
  const { db, cleanup } = await freshDatabase();
  return { store: new SqliteStore(db), destinations: new SqliteDestinationStore(db), cleanup };
});

describeRecoveryStoreContract('SqliteRecoveryStore', async () => {
  const { db, cleanup } = await freshDatabase();
  return { store: new SqliteRecoveryStore(db), cleanup };
});

describeDestinationStoreContract('SqliteDestinationStore', async () => {
  const { db, cleanup } = await freshDatabase();
  return { store: new SqliteDestinationStore(db), cleanup };
});

describeDestinationSecretStoreContract('SqliteDestinationSecretStore', async () => {
  const { db, cleanup } = await freshDatabase();
  return { store: new SqliteDestinationSecretStore(db), cleanup };
});
