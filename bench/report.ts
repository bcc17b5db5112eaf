import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CostResult, CostScenario } from './aws-cost.js';
import { batchCostRows, batchCostTable } from './batch-cost-report.js';
import type { BundlesResult } from './bundles.js';
import type { CeilingResult } from './ceiling.js';
import type { ServiceRunResult } from './delivery-run.js';
import { check, cores, fixed, int, markdownTable, mb, ms, ratio } from './format.js';
import type { HousekeepingResult } from './housekeeping.js';
import { housekeepingRows, housekeepingSeconds } from './housekeeping-report.js';
import type { NoisyNeighbourResult } from './noisy-neighbour.js';
import { renderOpenLoop } from './open-loop/open-loop-report.js';
import type { OpenLoopRun } from './open-loop/open-loop-runs.js';
import type { OrderedResult } from './ordered.js';
import type { PeerResult } from './peers/peers.js';
import { renderPeersTable } from './peers/peers-report.js';
import { PRICES_DATE, PRICES_REGION } from './prices.js';

/** Everything one `npm run bench` measured, as written to bench/results/<date>.json. */
export interface BenchResults {
  date: string;
  startedAt: string;
  quick: boolean;
  /** The steps `--only` asked for; absent when every step ran. */
  only?: string[];
  machine: { cpus: number; cpuModel: string; node: string; loadAverageAtStart: number[] };
  ceiling?: CeilingResult;
  singleProcess?: ServiceRunResult;
  /** The single-process step's closed-loop run on what a team would build instead (bench/peers). */
  peers?: PeerResult[];
  /** A steady offered load on Herald and on the durable BullMQ peer. */
  openLoop?: OpenLoopRun[];
  /** The single-process run without ordering keys and over 100 of them, one after the other. */
  ordered?: OrderedResult;
  awsLocal?: ServiceRunResult | { skipped: string };
  noisyNeighbour?: NoisyNeighbourResult[];
  awsCost?: CostResult | { skipped: string };
  bundles?: BundlesResult;
  housekeeping?: HousekeepingResult;
  durationSeconds?: number;
}

/** The targets the benchmark checks each run against (docs/performance.md, Targets). */
export const TARGETS = {
  endToEndRatio: 0.4,
  ingestP99Ms: 10,
  openLoopIngestP99Ms: 5,
  openLoopServiceCpuPercentOfOneCore: 40,
  wcuPer1KbSingle: 6,
  sqsRequestsPer1KbSingle: 3,
  dollarsPerMillion1Kb: 5.5,
  dollarsPerMillion64Kb: 15,
  peakRssMb: 150,
  workerBundleBytes: 1024 * 1024,
  coldImportMs: 150,
  noisyNeighbourRatio: 2,
} as const;

export function writeResults(results: BenchResults, dir = 'bench/results'): string {
  mkdirSync(dir, { recursive: true });
  // A run of some steps is named after them, so it never replaces the day's full run.
  const steps = results.only ? `-${results.only.join('-')}` : '';
  const file = join(dir, `${results.date}${steps}${results.quick ? '-quick' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

const dollars = (n: number) => `$${n.toFixed(n < 0.01 ? 4 : 2)}`;
const isSkipped = (value: unknown): value is { skipped: string } =>
  typeof value === 'object' && value !== null && 'skipped' in value;

/** The markdown report printed at the end: each figure next to its ratio or target. */
export function renderReport(r: BenchResults): string {
  const rows: string[][] = [];
  const ceiling = r.ceiling?.requestsPerSecond;
  const toCeiling = (value: number) => (ceiling ? `${ratio(value / ceiling)} ceiling` : '');

  if (r.ceiling) {
    const c = r.ceiling;
    rows.push([
      `Ceiling: autocannon → node:http sink (own process), ${int(c.bodyBytes)} B POST, ${c.connections} connections, ${c.durationSeconds} s`,
      `${int(c.requestsPerSecond)} req/s (p50 ${ms(c.latencyP50Ms)}, p99 ${ms(c.latencyP99Ms)})`,
      '1.000 × ceiling',
    ]);
  }
  const service = (label: string, s: ServiceRunResult, targets: boolean) => {
    const i = s.ingest;
    const e = s.endToEnd;
    rows.push([
      `${label} ingest: ${int(i.notifications)} × POST /v1/notifications (1 KB body), ${i.connections} connections`,
      `${int(i.requestsPerSecond)} req/s, p50 ${ms(i.latencyP50Ms)}, p99 ${ms(i.latencyP99Ms)} ` +
        `(Little's law, ${i.connections} ÷ req/s: ${ms(i.littlesLawLatencyMs)})` +
        (i.rejected + i.errors > 0 ? ` (${i.rejected} non-202, ${i.errors} errors)` : ''),
      `${toCeiling(i.requestsPerSecond)}${targets ? `; p99 ≤ ${TARGETS.ingestP99Ms} ms: ${check(i.latencyP99Ms <= TARGETS.ingestP99Ms)}` : ''}`,
    ]);
    rows.push([
      `${label} end to end: first ingest → sink has all ${int(e.delivered + e.missing)}`,
      `${int(e.deliveredPerSecond)} delivered/s in ${fixed(e.seconds)} s; lag p50 ${ms(e.lagP50Ms)}, p99 ${ms(e.lagP99Ms)}; ` +
        `${e.duplicates} duplicates, ${e.missing} missing`,
      `${toCeiling(e.deliveredPerSecond)}${
        targets && ceiling
          ? `; ≥ ${TARGETS.endToEndRatio}: ${check(e.deliveredPerSecond / ceiling >= TARGETS.endToEndRatio)}`
          : ''
      }`,
    ]);
    const c = s.cpuCores;
    rows.push([
      `${label} CPU during the run, in cores (2 = the whole machine)`,
      `service ${cores(c.service)} (${c.serviceMicrosPerNotification === null ? 'n/a' : int(c.serviceMicrosPerNotification)} µs CPU per notification), sink ${cores(c.sink)}, load generator ${cores(c.loadGenerator)}`,
      '',
    ]);
    rows.push([
      `${label} peak RSS of the service process (VmHWM)`,
      mb(s.peakRssMb),
      targets && s.peakRssMb !== null ? `≤ ${TARGETS.peakRssMb} MB: ${check(s.peakRssMb <= TARGETS.peakRssMb)}` : '',
    ]);
  };
  if (r.singleProcess) service('Single process (SQLite, WAL fsync before each 202)', r.singleProcess, true);
  if (r.ordered) {
    const { keys, unordered, ordered } = r.ordered;
    rows.push([
      `Ordered (single process): the same run without keys / over ${keys} ordering keys in turn`,
      `${int(unordered.endToEnd.deliveredPerSecond)} / ${int(ordered.endToEnd.deliveredPerSecond)} delivered/s; ` +
        `ingest p99 ${ms(unordered.ingest.latencyP99Ms)} / ${ms(ordered.ingest.latencyP99Ms)}; ` +
        `${int(unordered.cpuCores.serviceMicrosPerNotification ?? 0)} / ${int(ordered.cpuCores.serviceMicrosPerNotification ?? 0)} µs CPU per notification`,
      `${ratio(r.ordered.ratio)} unordered`,
    ]);
  }
  if (isSkipped(r.awsLocal)) rows.push(['start:aws-local', `skipped: ${r.awsLocal.skipped}`, '']);
  else if (r.awsLocal) service('start:aws-local (dynalite + fauxqs + s3rver, Lambda handlers)', r.awsLocal, false);

  for (const noisy of r.noisyNeighbour ?? []) {
    rows.push([
      `Noisy neighbour (${noisy.mode}): ${int(noisy.healthyNotifications)} to a healthy vendor, alone / behind ${int(noisy.deadBacklog)} to a vendor that never answers (10 s timeout)`,
      `${fixed(noisy.aloneSeconds, 2)} s / ${fixed(noisy.behindDeadSeconds, 2)} s`,
      `${ratio(noisy.ratio)}; ≤ ${TARGETS.noisyNeighbourRatio} ×: ${check(noisy.ratio <= TARGETS.noisyNeighbourRatio)}`,
    ]);
  }
  if (isSkipped(r.awsCost)) rows.push(['AWS cost per million delivered', `skipped: ${r.awsCost.skipped}`, '']);
  else if (r.awsCost) {
    for (const s of r.awsCost.scenarios.filter((scenario) => scenario.batchSize === 1)) {
      const limit = s.bodyBytes <= 1024 ? TARGETS.dollarsPerMillion1Kb : TARGETS.dollarsPerMillion64Kb;
      const single = s.attempts === 1 && s.bodyBytes <= 1024;
      rows.push([
        `AWS cost, ${s.label}`,
        `${dollars(s.totalPerMillion)} per million; ${fixed(s.perNotification.writeUnits, 2)} WCU, ` +
          `${fixed(s.perNotification.readUnits, 2)} RCU, ${fixed(s.perNotification.sqsBilledRequests, 2)} SQS requests` +
          (s.perNotification.s3Puts + s.perNotification.s3Gets > 0
            ? `, ${fixed(s.perNotification.s3Puts, 2)} S3 PUT + ${fixed(s.perNotification.s3Gets, 2)} GET`
            : ''),
        s.ordered
          ? `${ratio(s.totalPerMillion / (r.awsCost.scenarios.find((o) => !o.ordered && o.batchSize === 1 && o.bodyBytes === s.bodyBytes && o.attempts === s.attempts)?.totalPerMillion ?? s.totalPerMillion))} unordered`
          : s.attempts === 1
            ? `≤ ${dollars(limit)}: ${check(s.totalPerMillion <= limit)}` +
              (single
                ? `; ≤ ${TARGETS.wcuPer1KbSingle} WCU: ${check(s.perNotification.writeUnits <= TARGETS.wcuPer1KbSingle)}` +
                  `; ≤ ${TARGETS.sqsRequestsPer1KbSingle} SQS: ${check(s.perNotification.sqsBilledRequests <= TARGETS.sqsRequestsPer1KbSingle)}`
                : '')
            : `${ratio(s.totalPerMillion / (r.awsCost.scenarios.find((o) => !o.ordered && o.bodyBytes === s.bodyBytes && o.attempts === 1)?.totalPerMillion ?? s.totalPerMillion))} single attempt`,
      ]);
    }
  }
  if (r.awsCost && !isSkipped(r.awsCost)) rows.push(...batchCostRows(r.awsCost.scenarios));
  if (r.bundles) {
    for (const b of r.bundles.bundles) {
      const worker = b.handler === 'worker';
      rows.push([
        `Lambda bundle ${b.handler} (esbuild ESM, minified, AWS SDK bundled); cold import on Node ${r.bundles.node}`,
        `${fixed(b.bytes / 1024, 0)} KiB; import ${ms(b.coldImportMsMedian)} (median of ${b.coldImportMsRuns.length})`,
        (worker ? `≤ 1 MiB: ${check(b.bytes <= TARGETS.workerBundleBytes)}; ` : '') +
          `≤ ${TARGETS.coldImportMs} ms: ${check(b.coldImportMsMedian <= TARGETS.coldImportMs)}`,
      ]);
    }
  }

  if (r.housekeeping) rows.push(...housekeepingRows(r.housekeeping));

  const lines = [
    `## Herald benchmark, ${r.startedAt}${r.quick ? ' (quick)' : ''}`,
    '',
    `${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average at start ${r.machine.loadAverageAtStart
      .map((n) => n.toFixed(2))
      .join(' ')}.`,
  ];
  if (rows.length > 0) lines.push('', ...markdownTable(['measurement', 'figure', 'ratio / target'], rows));
  if (r.peers) lines.push('', ...renderPeersTable(r.peers, r.singleProcess, ceiling));
  if (r.openLoop) {
    lines.push(
      '',
      ...renderOpenLoop(r.openLoop, {
        ingestP99Ms: TARGETS.openLoopIngestP99Ms,
        serviceCpuPercentOfOneCore: TARGETS.openLoopServiceCpuPercentOfOneCore,
      }),
    );
  }
  if (r.awsCost && !isSkipped(r.awsCost)) lines.push('', ...renderCostArithmetic(r.awsCost));
  if (r.housekeeping) lines.push('', ...housekeepingSeconds(r.housekeeping));
  return `${lines.join('\n')}\n`;
}

function renderCostArithmetic(cost: CostResult): string[] {
  const lines = [
    `### AWS cost arithmetic (${PRICES_REGION} on-demand prices of ${PRICES_DATE}, bench/prices.ts)`,
    '',
    ...cost.assumptions.map((a) => `- ${a}`),
    '',
  ];
  for (const s of cost.scenarios) lines.push(...renderScenario(s), '');
  const batches = batchCostTable(cost.scenarios);
  if (batches.length > 0) lines.push(...batches, '');
  if (cost.sweeperFixed) {
    lines.push(
      `Fixed, not per notification: the sweeper runs every minute: ${cost.sweeperFixed.description}; ` +
        `${dollars(cost.sweeperFixed.dollarsPerMonth)} a month.`,
    );
  }
  if (cost.sweeperPerNotification) {
    const sweeper = cost.sweeperPerNotification;
    lines.push(
      '',
      `Per notification, not in the totals above: the sweeper's two passes read ${sweeper.stateReadUnits.toFixed(2)} RCU ` +
        `of STATE items and write ${sweeper.writeUnits.toFixed(3)} WCU (its watermarks); ${dollars(sweeper.dollarsPerMillion)} per million.`,
    );
  }
  return lines;
}

function renderScenario(s: CostScenario): string[] {
  return [
    `**${s.label}** (${s.notifications} notifications measured; DynamoDB calls per notification: ${Object.entries(
      s.perNotification.dynamoDbCalls,
    )
      .map(([op, n]) => `${op} ${n.toFixed(2)}`)
      .join(', ')}; SQS calls: ${Object.entries(s.perNotification.sqsCalls)
      .map(([op, n]) => `${op} ${n.toFixed(2)}`)
      .join(', ')})`,
    '',
    '| item | per notification | × unit price | $ per million |',
    '|---|---|---|---|',
    ...s.lines.map(
      (l) =>
        `| ${l.item} | ${l.quantity.toFixed(4)} ${l.unit} | × $${l.unitPrice.toPrecision(6)} | ${l.perMillion.toFixed(3)} |`,
    ),
    `| **total** | | | **${s.totalPerMillion.toFixed(2)}** |`,
  ];
}
