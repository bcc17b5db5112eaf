import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sink } from './processes.js';
import { measurePurgeImpact, type PurgeImpact } from './purge-impact.js';
import { measureRecoveryImpact, type RecoveryImpact } from './recovery-impact.js';
import { buildServer } from './single-process.js';

export interface HousekeepingOptions {
  sink: Sink;
  payload: unknown;
  /** Expired notifications the purge deletes. */
  expired: number;
  /** FAILED notifications the recovery retries. */
  failed: number;
  /** The open-loop ingest rate of every window. */
  ratePerSecond: number;
  /** Length of the recovery's baseline window, and of the window during the recovery. */
  windowSeconds: number;
  maxPurgeSeconds: number;
}

/** The recovery's server runs this long under the load before its baseline is measured. */
const RECOVERY_WARMUP_SECONDS = 5;

export interface HousekeepingResult {
  purge: PurgeImpact;
  recovery: RecoveryImpact;
}

/**
 * What the single process's housekeeping costs the callers: ingest latency under a steady
 * open-loop load while retention purges a large backlog, and while a bulk recovery runs, each next
 * to the same load without it, on `npm start`'s bundle and a SQLite file prepared for the purpose.
 */
export async function measureHousekeeping(options: HousekeepingOptions): Promise<HousekeepingResult> {
  buildServer();
  const dir = mkdtempSync(join(tmpdir(), 'herald-housekeeping-'));
  const common = { dir, sink: options.sink, payload: options.payload, ratePerSecond: options.ratePerSecond };
  try {
    const purge = await measurePurgeImpact({
      ...common,
      expired: options.expired,
      maxPurgeSeconds: options.maxPurgeSeconds,
    });
    const recovery = await measureRecoveryImpact({
      ...common,
      failed: options.failed,
      warmupSeconds: RECOVERY_WARMUP_SECONDS,
      windowSeconds: options.windowSeconds,
    });
    return { purge, recovery };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
