import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { notificationIdFor } from '../../src/domain/notification-id.js';
import { secretsSubkey } from '../../src/domain/secret-box.js';
import { startHerald } from '../../src/entrypoints/node/herald-server.js';

export interface RunningService {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts Herald with test-friendly settings overridden by `env`; each mode provides one of these. */
export type StartService = (env?: Record<string, string>) => Promise<RunningService>;

/**
 * Two signing secrets, as during a key rotation: `current` is listed first, `previous` is kept.
 * Fixed (not random) so a spawned child and the test process agree without passing anything else.
 */
export const TEST_SIGNING_SECRETS = {
  current: `whsec_${Buffer.from('herald test signing key, the current one').toString('base64')}`,
  previous: `whsec_${Buffer.from('herald test signing key, the previous one').toString('base64')}`,
} as const;

/**
 * HERALD_SECRETS_KEY of every test service: fixed, so a test can tell the id Herald gives an
 * idempotency key (notificationIdOf) in every mode. The key file is tested with it unset.
 */
export const TEST_SECRETS_KEY = Buffer.from('herald test secrets key, 32 byte').toString('base64');

/** The id a test service gives a notification sent with the idempotency key `key`. */
export function notificationIdOf(key: string): string {
  return notificationIdFor(key, secretsSubkey(Buffer.from(TEST_SECRETS_KEY, 'base64'), 'notification-id'));
}

/** Fast retries so retry paths finish in milliseconds; loopback vendors allowed; signing configured. */
export const TEST_ENV: Record<string, string> = {
  HERALD_PORT: '0',
  HERALD_SIGNING_SECRETS: `${TEST_SIGNING_SECRETS.current},${TEST_SIGNING_SECRETS.previous}`,
  HERALD_SECRETS_KEY: TEST_SECRETS_KEY,
  HERALD_ALLOW_PRIVATE_TARGETS: 'true',
  HERALD_RETRY_BASE_DELAY_MS: '20',
  HERALD_RETRY_MAX_DELAY_MS: '200',
  HERALD_LOG_LEVEL: 'silent',
};

/** The single-process service in this test process, on a fresh SQLite file. */
export const startSingleProcess: StartService = async (env = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-e2e-'));
  const config = loadConfig({ ...TEST_ENV, HERALD_DB_PATH: join(dir, 'herald.db'), ...env });
  const herald = await startHerald(config);
  return {
    baseUrl: herald.url,
    async stop() {
      await herald.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
