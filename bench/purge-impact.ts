import { join } from 'node:path';
import { runOpenLoop, type WindowLatency, windowLatency } from './open-loop.js';
import type { Sink } from './processes.js';
import { progress } from './progress.js';
import { writeSettledNotifications } from './settled-notifications.js';
import { spawnBuiltServer } from './single-process.js';
import { oldestCreatedAt, type SqliteFileStats, sqliteFileStats } from './sqlite-file.js';

export interface PurgeImpact {
  /** Delivered notifications written twice the retention period ago: everything the purge deletes. */
  expired: number;
  retentionDays: number;
  preparationSeconds: number;
  /** Ingest from the start of a server on the same file with a retention longer than its age: nothing to purge. */
  baseline: WindowLatency;
  /** Ingest from the start of a server with HERALD_RETENTION_DAYS=30 until the file holds no expired notification. */
  duringPurge: WindowLatency;
  /** From spawning the server (the purge starts during its start-up) to no expired row left; null if it ran out of time. */
  purgeSeconds: number | null;
  file: { prepared: SqliteFileStats; afterBaseline: SqliteFileStats; afterPurge: SqliteFileStats };
}

export interface PurgeImpactOptions {
  dir: string;
  sink: Sink;
  /** The JSON of the notification the load sends and the old ones were made of. */
  payload: unknown;
  expired: number;
  ratePerSecond: number;
  baselineSeconds: number;
  /** Gives up on the purge after this long. */
  maxPurgeSeconds: number;
}

const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
/** How often the file is looked at for what is left to purge. */
const POLL_MS = 250;
/** Both servers are measured from their start; `afterStartup` leaves out these first seconds of each. */
const STARTUP_SECONDS = 3;

/**
 * Ingest latency while retention purges a large backlog (single process, SQLite): a file holding
 * `expired` delivered notifications twice the retention old; the server started on it once with a
 * retention longer than their age (the baseline: nothing to purge), then with HERALD_RETENTION_DAYS
 * = 30, under the same open-loop load, until the file holds none of them. The file's page and
 * free-list counts before and after show whether the space freed is reused.
 */
export async function measurePurgeImpact(options: PurgeImpactOptions): Promise<PurgeImpact> {
  const dbPath = join(options.dir, 'purge.db');
  const url = `${options.sink.url}/ok`;
  const fmt = (n: number) => n.toLocaleString('en-US');
  const prepStarted = performance.now();
  await writeSettledNotifications(dbPath, {
    count: options.expired,
    status: 'SUCCESS',
    url,
    body: options.payload,
    firstCreatedAt: Date.now() - 2 * RETENTION_DAYS * DAY_MS,
    spacingMs: 10,
    onProgress: (written) => progress(`writing ${fmt(written)}/${fmt(options.expired)} expired notifications`),
  });
  const preparationSeconds = (performance.now() - prepStarted) / 1000;
  const prepared = sqliteFileStats(dbPath);
  const body = JSON.stringify({ url, body: options.payload });
  const load = { body, ratePerSecond: options.ratePerSecond };

  const idle = await spawnBuiltServer({ HERALD_DB_PATH: dbPath, HERALD_RETENTION_DAYS: '36500' });
  let baseline: WindowLatency;
  try {
    const run = await runOpenLoop({
      ...load,
      serviceUrl: idle.url,
      maxSeconds: options.baselineSeconds,
      onSecond: (answered) => progress(`baseline, nothing to purge: ${fmt(answered)} answered`),
    });
    baseline = windowLatency(run, STARTUP_SECONDS);
  } finally {
    await idle.stop();
  }
  const afterBaseline = sqliteFileStats(dbPath);

  const spawnedAt = performance.now();
  const purging = await spawnBuiltServer({ HERALD_DB_PATH: dbPath, HERALD_RETENTION_DAYS: String(RETENTION_DAYS) });
  // Everything the load writes is younger than this; everything prepared is older.
  const cutoff = new Date(Date.now() - RETENTION_DAYS * DAY_MS).toISOString();
  let purgedAt: number | undefined;
  let lookedAt = 0;
  const purged = () => {
    if (purgedAt === undefined && performance.now() - lookedAt >= POLL_MS) {
      lookedAt = performance.now();
      const oldest = oldestCreatedAt(dbPath);
      if (oldest === null || oldest >= cutoff) purgedAt = lookedAt;
    }
    return purgedAt !== undefined;
  };
  let duringPurge: WindowLatency;
  try {
    const run = await runOpenLoop({
      ...load,
      serviceUrl: purging.url,
      until: purged,
      maxSeconds: options.maxPurgeSeconds,
      onSecond: (answered) => progress(`during the purge: ${fmt(answered)} answered`),
    });
    duringPurge = windowLatency(run, STARTUP_SECONDS);
  } finally {
    await purging.stop();
  }
  return {
    expired: options.expired,
    retentionDays: RETENTION_DAYS,
    preparationSeconds,
    baseline,
    duringPurge,
    purgeSeconds: purgedAt === undefined ? null : (purgedAt - spawnedAt) / 1000,
    file: { prepared, afterBaseline, afterPurge: sqliteFileStats(dbPath) },
  };
}
