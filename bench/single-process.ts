import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DeliveryRunResult, runDeliveries } from './delivery-run.js';
import { peakRssMb, type Sink, spawnService } from './processes.js';

export interface ServiceRunResult extends DeliveryRunResult {
  /** Peak resident set size of the service process over the whole run (VmHWM), MB. */
  peakRssMb: number | null;
  /** Where `--cpu-prof` wrote the service's profile, when asked for. */
  cpuProfileDir?: string;
}

export interface SingleProcessOptions {
  sink: Sink;
  notifications: number;
  connections: number;
  warmup: number;
  payload: unknown;
  /** Write a V8 CPU profile of the service into this directory. */
  cpuProfileDir?: string;
}

/**
 * `npm start` as a user runs it: the esbuild bundle `npm run build` writes, a fresh SQLite file (synchronous=FULL), private
 * targets allowed so it may deliver to the loopback sink, logs at warn.
 */
/** What `npm run build` writes and `npm start` runs. */
const BUILT_SERVER = 'dist/herald.mjs';

export async function measureSingleProcess(options: SingleProcessOptions): Promise<ServiceRunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-'));
  const nodeArgs: string[] = [];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  }
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const service = await spawnService(BUILT_SERVER, {
    nodeArgs,
    env: {
      HERALD_DB_PATH: join(dir, 'herald.db'),
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_LOG_LEVEL: 'warn',
    },
  });
  try {
    const result = await runDeliveries({
      serviceUrl: service.url,
      servicePid: service.pid,
      sink: options.sink,
      notifications: options.notifications,
      connections: options.connections,
      payload: options.payload,
      warmup: options.warmup,
      drainTimeoutMs: 120_000,
    });
    const peak = peakRssMb(service.pid);
    return { ...result, peakRssMb: peak, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) };
  } finally {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
