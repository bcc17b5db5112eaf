import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startHerald } from '../../src/entrypoints/node/herald-server.js';

export interface RunningService {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts Herald with test-friendly settings overridden by `env`; each mode provides one of these. */
export type StartService = (env?: Record<string, string>) => Promise<RunningService>;

/** Fast retries so retry paths finish in milliseconds; loopback vendors allowed. */
export const TEST_ENV: Record<string, string> = {
  HERALD_PORT: '0',
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
