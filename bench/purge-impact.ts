import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PURGE_INTERVAL_MS } from '../src/entrypoints/node/retention-runner.js';
import { runOpenLoop, type WindowLatency, windowLatency } from './open-loop.js';
import type { Sink } from './processes.js';
import { progress } from './progress.js';
import { writeSettledNotifications } from './settled-notifications.js';
import { spawnBuiltServer } from './single-process.js';
import { countNotifications, oldestCreatedAt, type SqliteFileStats, sqliteFileStats } from './sqlite-file.js';

export interface PurgeImpact {
  /** Delivered notifications that come of age at once: everything the purge deletes. */
  expired: number;
  retentionDays: number;
  preparationSeconds: number;
  /** Ingest on the warmed-up server before its purge began: nothing to purge. */
  baseline: WindowLatency;
  /** Ingest from the purge's first deletion seen to its last. */
  duringPurge: WindowLatency;
  /** From the first deletion seen to none of them left (sampled every 250 ms); null if it ran out of time. */
  purgeSeconds: number | null;
  file: {
    prepared: SqliteFileStats & { notifications: number };
    atPurgeStart: SqliteFileStats;
    atPurgeEnd: SqliteFileStats;
    /** After the server stopped. */
    afterwards: SqliteFileStats & { notifications: number };
  };
}

export interface PurgeImpactOptions {
  dir: string;
  sink: Sink;
  /** The JSON of the notification the load sends and the old ones were made of. */
  payload: unknown;
  expired: number;
  ratePerSecond: number;
  /** Gives up on the purge after this long. */
  maxPurgeSeconds: number;
}

const RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
/** How often the file is looked at for the purge's progress. */
const POLL_MS = 250;
/** Load before the baseline starts, unmeasured: the server's code compiled, its caches filled. */
const WARMUP_SECONDS = 5;
/** A low guess of how many notifications a second the preparation writes (200,000 took 31–37 s here). */
const PREPARED_PER_SECOND = 3_000;
/** The burst comes of age this long after the server starts: after its start-up purge, before its first scheduled one. */
const COMES_OF_AGE_AFTER_START_MS = PURGE_INTERVAL_MS - 15_000;

/**
 * Ingest latency while retention purges a large backlog, on a warmed-up server (single process,
 * SQLite). The file holds `expired` delivered notifications made to come of age together a little
 * after the server starts, as a burst sent 30 days earlier does: its start-up purge finds nothing,
 * the open-loop load runs, and the scheduled purge a minute later deletes them all. The baseline is
 * the same server under the same load before that purge; the file's page and free-list counts when
 * it starts and ends show whether the space it frees is reused.
 */
export async function measurePurgeImpact(options: PurgeImpactOptions): Promise<PurgeImpact> {
  const dbPath = join(options.dir, 'purge.db');
  const url = `${options.sink.url}/ok`;
  const fmt = (n: number) => n.toLocaleString('en-US');
  const prepStarted = Date.now();
  // Late enough that the preparation ends before the burst comes of age, even at half its usual speed.
  const comesOfAgeAt = prepStarted + (options.expired / PREPARED_PER_SECOND) * 1000 + COMES_OF_AGE_AFTER_START_MS;
  const createdBefore = comesOfAgeAt - RETENTION_DAYS * DAY_MS;
  await writeSettledNotifications(dbPath, {
    count: options.expired,
    status: 'SUCCESS',
    url,
    body: options.payload,
    // All within the last second before the cutoff: one scheduled purge finds them all.
    firstCreatedAt: createdBefore - 1000,
    spacingMs: 1000 / options.expired,
    onProgress: (written) => progress(`writing ${fmt(written)}/${fmt(options.expired)} notifications`),
  });
  const preparationSeconds = (Date.now() - prepStarted) / 1000;
  const prepared = { ...sqliteFileStats(dbPath), notifications: countNotifications(dbPath) };
  const early = comesOfAgeAt - COMES_OF_AGE_AFTER_START_MS - Date.now();
  if (early > 0) {
    progress(`waiting ${(early / 1000).toFixed(0)} s, so that they come of age after the server's start`);
    await sleep(early);
  }
  if (comesOfAgeAt - Date.now() < 5_000) {
    throw new Error(
      `preparing ${options.expired} notifications took ${preparationSeconds} s: they came of age too soon`,
    );
  }

  const service = await spawnBuiltServer({ HERALD_DB_PATH: dbPath, HERALD_RETENTION_DAYS: String(RETENTION_DAYS) });
  const first = oldestCreatedAt(dbPath);
  const cutoff = new Date(createdBefore).toISOString();
  const marks: { startedAt?: number; endedAt?: number; atStart?: SqliteFileStats; atEnd?: SqliteFileStats } = {};
  let lookedAt = 0;
  const purgeOver = () => {
    const now = performance.now();
    if (marks.endedAt !== undefined || now - lookedAt < POLL_MS) return marks.endedAt !== undefined;
    lookedAt = now;
    const oldest = oldestCreatedAt(dbPath);
    if (marks.startedAt === undefined && oldest !== first) {
      marks.startedAt = now;
      marks.atStart = sqliteFileStats(dbPath);
    }
    if (oldest === null || oldest >= cutoff) {
      marks.endedAt = now;
      marks.atEnd = sqliteFileStats(dbPath);
    }
    return marks.endedAt !== undefined;
  };
  let run: Awaited<ReturnType<typeof runOpenLoop>>;
  try {
    run = await runOpenLoop({
      body: JSON.stringify({ url, body: options.payload }),
      ratePerSecond: options.ratePerSecond,
      serviceUrl: service.url,
      until: purgeOver,
      maxSeconds: (PURGE_INTERVAL_MS + COMES_OF_AGE_AFTER_START_MS) / 1000 + options.maxPurgeSeconds,
      onSecond: (answered) =>
        progress(
          `${fmt(answered)} answered; ${marks.startedAt === undefined ? 'waiting for the scheduled purge' : 'purging'}`,
        ),
    });
  } finally {
    await service.stop();
  }
  const { startedAt, endedAt, atStart, atEnd } = marks;
  if (startedAt === undefined || atStart === undefined) throw new Error('the scheduled purge never started');
  const second = (at: number) => (at - run.startedAt) / 1000;
  const purgeEnd = endedAt === undefined ? run.seconds : second(endedAt);
  return {
    expired: options.expired,
    retentionDays: RETENTION_DAYS,
    preparationSeconds,
    baseline: windowLatency(run, WARMUP_SECONDS, second(startedAt)),
    duringPurge: windowLatency(run, second(startedAt), purgeEnd),
    purgeSeconds: endedAt === undefined ? null : (endedAt - startedAt) / 1000,
    file: {
      prepared,
      atPurgeStart: atStart,
      atPurgeEnd: atEnd ?? sqliteFileStats(dbPath),
      afterwards: { ...sqliteFileStats(dbPath), notifications: countNotifications(dbPath) },
    },
  };
}
