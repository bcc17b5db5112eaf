import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeliveryLoad, measureService, type ServiceRunResult } from './delivery-run.js';
import { type Service, spawnService } from './processes.js';

export interface SingleProcessOptions extends DeliveryLoad {
  /** Write a V8 CPU profile of the service into this directory. */
  cpuProfileDir?: string;
}

/** What `npm run build` writes and `npm start` runs. */
const BUILT_SERVER = 'dist/herald.mjs';

/**
 * The node flags of package.json's `start` script, so the server is measured as `npm start` runs it:
 * they hold the heap's growth, and so the peak RSS, down (docs/performance.md, third pass).
 */
function startScriptNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const words = scripts.start.trim().split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}

/** How the comparisons with other services name Herald as the single step starts it. */
export const SINGLE_PROCESS_LABEL = 'Herald, single process (SQLite, fsync before each 202)';

let built = false;

/** Runs `npm run build` once per bench run, so that the bundle measured is the current source. */
export function buildServer(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  built = true;
}

/**
 * The bundle `npm run build` wrote, run with the start script's node flags (plus `nodeArgs`), as
 * `npm start` runs it; private targets allowed so that it may deliver to the loopback sink, logs at
 * warn. `env` names at least HERALD_DB_PATH.
 */
export function spawnBuiltServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<Service> {
  return spawnService(BUILT_SERVER, {
    nodeArgs: [...startScriptNodeFlags(), ...nodeArgs],
    env: { HERALD_ALLOW_PRIVATE_TARGETS: 'true', HERALD_LOG_LEVEL: 'warn', ...env },
  });
}

/**
 * `npm start` as a user runs it (spawnBuiltServer, built once per bench run) on a fresh SQLite file,
 * its WAL fdatasync'd before each 202, as synchronous=FULL would. Stopping it removes the file.
 */
export async function startSingleProcess(options: { cpuProfileDir?: string } = {}): Promise<Service> {
  const { cpuProfileDir } = options;
  const nodeArgs: string[] = [];
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`);
  }
  buildServer();
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  try {
    const service = await spawnBuiltServer({ HERALD_DB_PATH: join(dir, 'herald.db') }, nodeArgs);
    return {
      ...service,
      stop: async () => {
        await service.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function measureSingleProcess(options: SingleProcessOptions): Promise<ServiceRunResult> {
  const { cpuProfileDir, ...load } = options;
  const service = await startSingleProcess(cpuProfileDir ? { cpuProfileDir } : {});
  const result = await measureService(service, load, 120_000);
  return { ...result, ...(cpuProfileDir ? { cpuProfileDir } : {}) };
}
