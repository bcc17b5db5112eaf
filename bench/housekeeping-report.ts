import type { HousekeepingResult } from './housekeeping.js';
import type { LatencySummary, WindowLatency } from './open-loop.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(n < 10 ? 1 : 0)} ms`);
const ratioOf = (value: number | null, base: number | null) =>
  value === null || base === null || base === 0 ? 'n/a' : `${(value / base).toFixed(2)} ×`;

/** "p50 a / b, p99 a / b, max a / b": the baseline and the window beside it. */
function side(base: LatencySummary, other: LatencySummary): string {
  const pair = (key: 'p50Ms' | 'p99Ms' | 'maxMs') => `${ms(base[key])} / ${ms(other[key])}`;
  const failures = other.rejected + other.errors + base.rejected + base.errors;
  return (
    `p50 ${pair('p50Ms')}, p99 ${pair('p99Ms')}, max ${pair('maxMs')} (${int(base.sent)} / ${int(other.sent)} requests)` +
    (failures > 0 ? `; ${failures} non-202 or errors` : '')
  );
}

const p99Ratio = (base: LatencySummary, other: LatencySummary) => `p99 ${ratioOf(other.p99Ms, base.p99Ms)} baseline`;

/** The rows of the report's table for the housekeeping step. */
export function housekeepingRows({ purge, recovery }: HousekeepingResult): string[][] {
  const rate = purge.baseline.all.ratePerSecond;
  const rows: string[][] = [];
  rows.push([
    `Retention purge (single process): ${int(purge.expired)} delivered notifications ${2 * purge.retentionDays} days old, HERALD_RETENTION_DAYS=${purge.retentionDays}, from the server's start`,
    purge.purgeSeconds === null
      ? 'not finished in time'
      : `all deleted in ${purge.purgeSeconds.toFixed(1)} s (${int(purge.expired / purge.purgeSeconds)} per second)`,
    `file prepared in ${purge.preparationSeconds.toFixed(0)} s`,
  ]);
  rows.push([
    `Ingest at ${rate}/s (open loop) from a server's start: nothing to purge / during the purge`,
    side(purge.baseline.all, purge.duringPurge.all),
    p99Ratio(purge.baseline.all, purge.duringPurge.all),
  ]);
  const warmBase = purge.baseline.afterStartup;
  const warmPurge = purge.duringPurge.afterStartup;
  if (warmBase && warmPurge) {
    rows.push([
      `The same without the first ${warmBase.fromSecond} s of each server`,
      side(warmBase, warmPurge),
      p99Ratio(warmBase, warmPurge),
    ]);
  }
  const { prepared, afterBaseline, afterPurge } = purge.file;
  const pages = (f: typeof prepared) =>
    `${int(f.pages)} pages, ${int(f.freePages)} free, ${int(f.notifications)} notifications`;
  rows.push([
    'SQLite file: prepared; after the baseline; after the purge (4 KiB pages)',
    `${pages(prepared)}; ${pages(afterBaseline)}; ${pages(afterPurge)}`,
    afterPurge.pages <= afterBaseline.pages
      ? `no growth while the purge's ${int(purge.duringPurge.all.accepted)} new notifications were stored: freed pages reused`
      : `grew ${int(afterPurge.pages - afterBaseline.pages)} pages during the purge`,
  ]);
  const { job } = recovery;
  const window = recovery.duringRecovery.all;
  rows.push([
    `Bulk recovery (single process): ${int(recovery.failed)} FAILED notifications of one destination, POST /v1/recoveries, ${window.seconds.toFixed(0)} s window`,
    `${int(job.retried)} retried (${(job.retried / window.seconds).toFixed(1)} per second), ${int(recovery.recoveredDelivered)} of them delivered; job ${job.state}`,
    '',
  ]);
  rows.push([
    `Ingest at ${rate}/s (open loop), server warmed up: before / during the recovery`,
    side(recovery.baseline.all, window),
    p99Ratio(recovery.baseline.all, window),
  ]);
  return rows;
}

/** Below the table: the slowest answer of each second, where a stall shows as a run of large numbers. */
export function housekeepingSeconds({ purge, recovery }: HousekeepingResult): string[] {
  const series = (name: string, w: WindowLatency) => `- ${name}: ${w.maxMsBySecond.join(', ')}`;
  return [
    '### Housekeeping: the slowest ingest answer in each second (ms)',
    '',
    series('from the start of a server with nothing to purge', purge.baseline),
    series('from the start of a server purging', purge.duringPurge),
    series('before the recovery', recovery.baseline),
    series('during the recovery', recovery.duringRecovery),
  ];
}
