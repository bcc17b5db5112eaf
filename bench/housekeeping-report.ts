import type { HousekeepingResult } from './housekeeping.js';
import type { WindowLatency } from './open-loop.js';
import type { SqliteFileStats } from './sqlite-file.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(n < 10 ? 1 : 0)} ms`);
const ratioOf = (value: number | null, base: number | null) =>
  value === null || base === null || base === 0 ? 'n/a' : `${(value / base).toFixed(2)} ×`;

/** "p50 a / b, p99 a / b, max a / b": the baseline and the window beside it. */
function side(base: WindowLatency, other: WindowLatency): string {
  const pair = (key: 'p50Ms' | 'p99Ms' | 'maxMs') => `${ms(base[key])} / ${ms(other[key])}`;
  const failures = other.rejected + other.errors + base.rejected + base.errors;
  return (
    `p50 ${pair('p50Ms')}, p99 ${pair('p99Ms')}, max ${pair('maxMs')} (${int(base.sent)} / ${int(other.sent)} requests in ${base.seconds.toFixed(0)} / ${other.seconds.toFixed(0)} s)` +
    (failures > 0 ? `; ${failures} non-202 or errors` : '')
  );
}

const p99Ratio = (base: WindowLatency, other: WindowLatency) => `p99 ${ratioOf(other.p99Ms, base.p99Ms)} baseline`;
const pages = (f: SqliteFileStats) => `${int(f.pages)} pages (${int(f.freePages)} free)`;

/** The rows of the report's table for the housekeeping step. */
export function housekeepingRows({ purge, recovery }: HousekeepingResult): string[][] {
  const rate = purge.baseline.ratePerSecond;
  const { prepared, atPurgeStart, atPurgeEnd, afterwards } = purge.file;
  const { job } = recovery;
  const window = recovery.duringRecovery;
  return [
    [
      `Retention purge (single process, warmed up): ${int(purge.expired)} delivered notifications coming of age at once, HERALD_RETENTION_DAYS=${purge.retentionDays}`,
      purge.purgeSeconds === null
        ? 'not finished in time'
        : `all deleted in ${purge.purgeSeconds.toFixed(1)} s (${int(purge.expired / purge.purgeSeconds)} per second)`,
      `file prepared in ${purge.preparationSeconds.toFixed(0)} s`,
    ],
    [
      `Ingest at ${rate}/s (open loop) on that server: before / during the purge`,
      side(purge.baseline, purge.duringPurge),
      p99Ratio(purge.baseline, purge.duringPurge),
    ],
    [
      'SQLite file (4 KiB pages): prepared; purge starts; purge ends; server stopped',
      `${pages(prepared)}, ${int(prepared.notifications)} notifications; ${pages(atPurgeStart)}; ${pages(atPurgeEnd)}; ` +
        `${pages(afterwards)}, ${int(afterwards.notifications)} notifications`,
      atPurgeEnd.pages <= atPurgeStart.pages
        ? `no growth while ${int(purge.duringPurge.accepted)} notifications were stored during the purge: freed pages reused`
        : `grew ${int(atPurgeEnd.pages - atPurgeStart.pages)} pages during the purge`,
    ],
    [
      `Bulk recovery (single process): ${int(recovery.failed)} FAILED notifications of one destination, POST /v1/recoveries, ${window.seconds.toFixed(0)} s window`,
      `${int(job.retried)} retried (${(job.retried / window.seconds).toFixed(1)} per second), ${int(recovery.recoveredDelivered)} of them delivered; job ${job.state}`,
      '',
    ],
    [
      `Ingest at ${rate}/s (open loop), server warmed up: before / during the recovery`,
      side(recovery.baseline, window),
      p99Ratio(recovery.baseline, window),
    ],
  ];
}

/** Below the table: the slowest answer of each second, where a stall shows as a run of large numbers. */
export function housekeepingSeconds({ purge, recovery }: HousekeepingResult): string[] {
  const series = (name: string, w: WindowLatency) => `- ${name}: ${w.maxMsBySecond.join(', ')}`;
  return [
    '### Housekeeping: the slowest ingest answer in each second (ms)',
    '',
    series('before the purge', purge.baseline),
    series('during the purge', purge.duringPurge),
    series('before the recovery', recovery.baseline),
    series('during the recovery', recovery.duringRecovery),
  ];
}
