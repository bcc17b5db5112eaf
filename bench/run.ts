/**
 * `npm run bench [-- --quick] [-- --profile] [-- --only=ceiling,single,peers,open-loop,ordered,aws-local,noisy,cost,bundles,housekeeping]`
 *
 * Measures, in one run on this machine, Herald's speed as ratios to the HTTP ceiling and to what a
 * team would build instead (bench/peers), its latency under a steady offered load (bench/open-loop)
 * and its AWS cost per million deliveries; writes bench/results/<date>.json and prints a markdown
 * report on stdout.
 * Progress goes to stderr. Benchmarks are not tests: nothing here fails on a missed target.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { awsLocalSkipReason, measureAwsLocal } from './aws-local.js';
import { kilobytePayload, measureCeiling } from './ceiling.js';
import { measureHousekeeping } from './housekeeping.js';
import { measureNoisyNeighbour } from './noisy-neighbour.js';
import { measureOpenLoops } from './open-loop/open-loop-runs.js';
import { measureOrdered } from './ordered.js';
import { measurePeers } from './peers/peers.js';
import { type Sink, spawnSink } from './processes.js';
import { endProgress, progress, startPhase } from './progress.js';
import { type BenchResults, renderReport, writeResults } from './report.js';
import { measureSingleProcess } from './single-process.js';

const STEPS = [
  'ceiling',
  'single',
  'peers',
  'open-loop',
  'ordered',
  'aws-local',
  'noisy',
  'cost',
  'bundles',
  'housekeeping',
] as const;
type Step = (typeof STEPS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    notifications: { type: 'string' },
  },
});
const quick = values.quick === true;
const only = new Set((values.only ?? STEPS.join(',')).split(',').map((s) => s.trim()) as Step[]);
for (const step of only) {
  if (!STEPS.includes(step)) throw new Error(`--only: unknown step ${step}; steps are ${STEPS.join(', ')}`);
}

const SETTINGS = {
  connections: 64,
  ceilingSeconds: quick ? 5 : 10,
  notifications: values.notifications ? Number(values.notifications) : quick ? 3_000 : 20_000,
  warmup: quick ? 300 : 2_000,
  awsLocalNotifications: quick ? 100 : 500,
  awsLocalWarmup: quick ? 20 : 50,
  costNotifications: quick ? 10 : 30,
  noisyHealthy: quick ? 100 : 300,
  // 5 × HERALD_DELIVERY_CONCURRENCY (64), as the noisy-neighbour target asks.
  noisyDeadBacklog: 320,
  coldImportRuns: quick ? 3 : 5,
  openLoopRate: 1_000,
  openLoopSeconds: quick ? 3 : 10,
  openLoopWarmupSeconds: quick ? 1 : 2,
  orderingKeys: 100,
  housekeeping: {
    expired: quick ? 50_000 : 200_000,
    failed: quick ? 2_000 : 20_000,
    ratePerSecond: 300,
    windowSeconds: quick ? 10 : 30,
    maxPurgeSeconds: 600,
  },
};

async function main(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  const steps = STEPS.filter((step) => only.has(step));
  const results: BenchResults = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    quick,
    ...(values.only ? { only: steps } : {}),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverageAtStart: loadavg(),
    },
  };
  const payload = JSON.parse(kilobytePayload()) as unknown;
  let sink: Sink | undefined;
  if (steps.some((step) => step !== 'cost' && step !== 'bundles')) sink = await spawnSink();

  try {
    let n = 0;
    for (const step of steps) {
      n++;
      switch (step) {
        case 'ceiling':
          startPhase(n, steps.length, 'ceiling: autocannon → sink');
          results.ceiling = await measureCeiling(sink as Sink, {
            connections: SETTINGS.connections,
            durationSeconds: SETTINGS.ceilingSeconds,
          });
          break;
        case 'single':
          startPhase(
            n,
            steps.length,
            `single process: ${SETTINGS.notifications.toLocaleString('en-US')} notifications`,
          );
          results.singleProcess = await measureSingleProcess({
            sink: sink as Sink,
            notifications: SETTINGS.notifications,
            connections: SETTINGS.connections,
            warmup: SETTINGS.warmup,
            payload,
            ...(values.profile ? { cpuProfileDir: 'bench/results/profiles' } : {}),
          });
          break;
        case 'peers':
          startPhase(n, steps.length, 'peers: the same run on a memory-only forwarder and on BullMQ + Redis');
          results.peers = await measurePeers({
            sink: sink as Sink,
            notifications: SETTINGS.notifications,
            connections: SETTINGS.connections,
            warmup: SETTINGS.warmup,
            payload,
          });
          break;
        case 'open-loop':
          startPhase(
            n,
            steps.length,
            `open loop: ${SETTINGS.openLoopRate.toLocaleString('en-US')}/s for ${SETTINGS.openLoopSeconds} s`,
          );
          results.openLoop = await measureOpenLoops({
            sink: sink as Sink,
            ratePerSecond: SETTINGS.openLoopRate,
            durationSeconds: SETTINGS.openLoopSeconds,
            warmupSeconds: SETTINGS.openLoopWarmupSeconds,
            payload,
          });
          break;
        case 'ordered':
          startPhase(n, steps.length, `ordered: unordered, then over ${SETTINGS.orderingKeys} ordering keys`);
          results.ordered = await measureOrdered(
            {
              sink: sink as Sink,
              notifications: SETTINGS.notifications,
              connections: SETTINGS.connections,
              warmup: SETTINGS.warmup,
              payload,
            },
            SETTINGS.orderingKeys,
          );
          break;
        case 'aws-local': {
          const skip = awsLocalSkipReason();
          startPhase(n, steps.length, `start:aws-local: ${SETTINGS.awsLocalNotifications} notifications`);
          results.awsLocal = skip
            ? { skipped: skip }
            : await measureAwsLocal({
                sink: sink as Sink,
                notifications: SETTINGS.awsLocalNotifications,
                connections: SETTINGS.connections,
                warmup: SETTINGS.awsLocalWarmup,
                payload,
              });
          break;
        }
        case 'noisy':
          startPhase(n, steps.length, 'noisy neighbour: a healthy vendor alone, then behind a dead one');
          results.noisyNeighbour = await measureNoisyNeighbour({
            sink: sink as Sink,
            healthyNotifications: SETTINGS.noisyHealthy,
            deadBacklog: SETTINGS.noisyDeadBacklog,
          });
          break;
        case 'cost':
          startPhase(n, steps.length, 'AWS cost: counting DynamoDB, SQS and S3 calls on dynalite + fauxqs + s3rver');
          // Loaded only when asked for: it brings the AWS SDK, dynalite and fauxqs into this process.
          results.awsCost = await (await import('./aws-cost.js')).measureAwsCost({
            notifications: SETTINGS.costNotifications,
          });
          break;
        case 'bundles':
          startPhase(n, steps.length, 'Lambda bundles and cold imports');
          results.bundles = await (await import('./bundles.js')).measureBundles({ runs: SETTINGS.coldImportRuns });
          break;
        case 'housekeeping': {
          const { expired, failed, ratePerSecond } = SETTINGS.housekeeping;
          startPhase(
            n,
            steps.length,
            `housekeeping: ingest at ${ratePerSecond}/s during a purge of ${expired.toLocaleString('en-US')} and a recovery of ${failed.toLocaleString('en-US')}`,
          );
          results.housekeeping = await measureHousekeeping({ sink: sink as Sink, payload, ...SETTINGS.housekeeping });
          break;
        }
      }
    }
  } finally {
    await sink?.stop();
  }
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  progress(`done in ${results.durationSeconds} s`);
  endProgress();
  const file = writeResults(results);
  process.stdout.write(renderReport(results));
  process.stdout.write(`\nResults: ${file} (${results.durationSeconds} s)\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    endProgress();
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
