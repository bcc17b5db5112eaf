import { SqliteDatabase } from '../../adapters/sqlite/sqlite-database.js';
import { SqliteQueue } from '../../adapters/sqlite/sqlite-queue.js';
import { SqliteStore } from '../../adapters/sqlite/sqlite-store.js';
import { releaseLeasesOfDeadProcess } from '../../adapters/sqlite/startup-recovery.js';
import type { HeraldConfig } from '../../config.js';
import type { Logger } from '../../ports/logger.js';
import { staticSigningSecrets } from '../../ports/signing-secrets.js';
import type { OpenedSigningSecrets } from '../aws-signing-secrets.js';
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

/** The signing secrets; the AWS SDK is loaded only when they are in Secrets Manager. */
export async function openSigningSecrets(config: HeraldConfig): Promise<OpenedSigningSecrets> {
  if (config.signingSecretArn === undefined)
    return { secrets: staticSigningSecrets(config.signingSecrets), close() {} };
  return (await import('../aws-signing-secrets.js')).openSigningSecrets(config);
}

async function openSqliteBackend(config: HeraldConfig, logger: Logger): Promise<Backend> {
  const db = new SqliteDatabase(config.dbPath);
  const queue = new SqliteQueue(db);
  const released = await releaseLeasesOfDeadProcess(db, new Date());
  logger.info({ dbPath: config.dbPath, ...released }, 'SQLite store opened; work left by a previous process released');
  return {
    store: new SqliteStore(db),
    queue,
    async close() {
      queue.close();
      await db.close();
    },
  };
}
