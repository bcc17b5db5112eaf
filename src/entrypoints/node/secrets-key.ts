import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { openSecretsKeyFile } from '../../adapters/key-file/secrets-key-file.js';
import type { HeraldConfig } from '../../config.js';
import { SECRETS_KEY_BYTES } from '../../domain/secret-box.js';
import type { Logger } from '../../ports/logger.js';
import { fixedSecretsKey } from '../../ports/secrets-key.js';
import type { OpenedSecretsKey } from '../aws-secrets-key.js';

/** The key file's name, beside the database. */
export const SECRETS_KEY_FILE = 'herald-secrets.key';

/**
 * The node server's secrets key: HERALD_SECRETS_KEY or its Secrets Manager secret when set (and, on
 * the AWS backend, required); else, on SQLite, the key file beside the database, made on the first
 * start (said once in the log, where, never what); a `:memory:` database's key lives as long as it.
 */
export async function openNodeSecretsKey(config: HeraldConfig, logger: Logger): Promise<OpenedSecretsKey> {
  if (config.secretsKey !== undefined || config.secretsKeyArn !== undefined || config.backend === 'aws') {
    // Loaded only when needed, so the SQLite mode never loads the AWS SDK.
    return (await import('../aws-secrets-key.js')).openSharedSecretsKey(config);
  }
  if (config.dbPath === ':memory:') return { key: fixedSecretsKey(randomBytes(SECRETS_KEY_BYTES)), close() {} };
  const path = join(dirname(config.dbPath), SECRETS_KEY_FILE);
  const { key, created } = openSecretsKeyFile(path);
  if (created) {
    logger.info(
      { secretsKeyFile: path },
      "Created the secrets key file beside the database: back it up with the database, or the destinations' own signing keys are lost with it (or set HERALD_SECRETS_KEY)",
    );
  }
  return { key: fixedSecretsKey(key), close() {} };
}
