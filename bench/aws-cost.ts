import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { request } from 'undici';
import { heraldTableDefinition } from '../src/adapters/dynamodb/create-table.js';
import { RECHECK_AFTER_MS } from '../src/adapters/dynamodb/stale-pending.js';
import type { AwsLocal } from '../src/entrypoints/local/aws-local.js';
import { AwsCallMeter, type MeterSnapshot } from '../test/helpers/aws-call-meter.js';
import { localSqsClient } from '../test/helpers/aws-engines.js';
import { waitForIdleQueue } from '../test/helpers/queue-counts.js';
import { startVendor, type Vendor } from '../test/helpers/vendor-server.js';
import {
  HTTP_API_METERING_BYTES,
  LAMBDA_DEPLOYMENT,
  PRICES,
  PRICES_DATE,
  PRICES_REGION,
  SQS_BILLING_CHUNK_BYTES,
} from './prices.js';
import { progress } from './progress.js';
import { median } from './stats.js';

export interface CostLine {
  item: string;
  /** Per delivered notification. */
  quantity: number;
  unit: string;
  unitPrice: number;
  perMillion: number;
}

export interface CostScenario {
  label: string;
  bodyBytes: number;
  attempts: number;
  /** Notifications per ingest request: 1 for POST /v1/notifications, more for POST /v1/notifications/batch. */
  batchSize: number;
  /** Under an ordering key: through the FIFO queue. */
  ordered: boolean;
  notifications: number;
  /** What was measured, divided by the notifications delivered. */
  perNotification: {
    writeUnits: number;
    tableWriteUnits: number;
    indexWriteUnits: number;
    readUnits: number;
    /** What is billed: our sends by 64 KB chunk, the event source's receives and deletes at the assumed batch size. */
    sqsBilledRequests: number;
    /** S3 PutObject and GetObject requests (large bodies), SDK retries included. */
    s3Puts: number;
    s3Gets: number;
    dynamoDbCalls: Record<string, number>;
    sqsCalls: Record<string, number>;
    /** Messages the worker processed (one per attempt, plus any early or duplicate message). */
    workerMessages: number;
    /** Ingest invocations (one per request) and worker invocations (one per event-source batch). */
    lambdaInvocations: number;
    ingestMsMedian: number;
    workerBatchMsMedian: number;
    workerBatchSizeMean: number;
  };
  lines: CostLine[];
  totalPerMillion: number;
}

export interface CostResult {
  assumptions: string[];
  scenarios: CostScenario[];
  sweeperFixed?: { description: string; dollarsPerMonth: number };
  /** What the sweeper's two passes spend on each notification created, over its life. */
  sweeperPerNotification?: { stateReadUnits: number; writeUnits: number; dollarsPerMillion: number };
}

interface ScenarioShape {
  bodyBytes: number;
  attempts: number;
  batchSize: number;
  /** Every notification under one ordering key: the FIFO queue and its event source of batch size 1. */
  ordered?: boolean;
}

const SCENARIOS: readonly ScenarioShape[] = [
  { bodyBytes: 1024, attempts: 1, batchSize: 1 },
  { bodyBytes: 1024, attempts: 3, batchSize: 1 },
  { bodyBytes: 64 * 1024, attempts: 1, batchSize: 1 },
  { bodyBytes: 64 * 1024, attempts: 3, batchSize: 1 },
  // Batch ingest: what changes is the ingest side (one request and one invocation for many).
  { bodyBytes: 1024, attempts: 1, batchSize: 10 },
  { bodyBytes: 1024, attempts: 1, batchSize: 100 },
  // Ordered delivery: what changes is the queue (FIFO prices, one message per worker invocation).
  { bodyBytes: 1024, attempts: 1, batchSize: 1, ordered: true },
  { bodyBytes: 1024, attempts: 3, batchSize: 1, ordered: true },
];
/** A batch scenario sends at least this many batches, all of them timed. */
const MIN_BATCHES = 2;

/**
 * Worker invocations as the event source sees them: every settled batch (from the poller's onBatch),
 * and the duration of those it can time, from the ReceiveMessage answer that carried the batch to the
 * DeleteMessageBatch sent once the function returned. (A long poll already in flight when this
 * middleware was added is not timed; its batch is still counted.)
 */
function watchInvocations(local: AwsLocal) {
  const receivedAt = new Map<string, number>();
  let timed: number[] = [];
  let sizes: number[] = [];
  local.onBatch((summary) => sizes.push(summary.records.length));
  local.eventSourceSqs.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '');
      if (operation === 'DeleteMessageBatchCommand') {
        const entries = (args.input as { Entries?: { ReceiptHandle?: string }[] }).Entries ?? [];
        const started = entries.map((e) => receivedAt.get(e.ReceiptHandle ?? '')).find((t) => t !== undefined);
        if (started !== undefined) timed.push(performance.now() - started);
        for (const e of entries) receivedAt.delete(e.ReceiptHandle ?? '');
      }
      const result = await next(args);
      if (operation === 'ReceiveMessageCommand') {
        const now = performance.now();
        const output = result.output as { Messages?: { ReceiptHandle?: string }[] };
        for (const m of output.Messages ?? []) if (m.ReceiptHandle) receivedAt.set(m.ReceiptHandle, now);
      }
      return result;
    },
    { step: 'initialize', name: 'benchInvocationTimer' },
  );
  return {
    /** The batches settled and the durations timed since the last call. */
    take(): { sizes: number[]; timedMs: number[] } {
      const taken = { sizes, timedMs: timed };
      sizes = [];
      timed = [];
      return taken;
    },
  };
}

const perEach = (counts: Record<string, number>, prefix: string, n: number) =>
  Object.fromEntries(
    Object.entries(counts)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, count]) => [name.slice(prefix.length), count / n]),
  );

/** The unmeasured warm-up runs. */
const WARM_UP = [
  { bodyBytes: 1024, notifications: 20 },
  { bodyBytes: 64 * 1024, notifications: 5 },
] as const;

/** Ingest round trips timed one at a time per scenario; the rest are sent concurrently. */
const INGEST_TIMED = 5;
const INGEST_CONCURRENCY = 10;

const billedMs = (ms: number) => Math.max(1, Math.ceil(ms));

/**
 * AWS cost per million delivered notifications, from the calls Herald's real Lambda handlers make on
 * `start:aws-local` (dynalite + fauxqs + s3rver, in this process), counted by test/helpers/aws-call-meter.ts
 * and priced with bench/prices.ts.
 */
export async function measureAwsCost(options: { notifications: number }): Promise<CostResult> {
  // Loaded only here: the other benchmarks need neither the engines nor the AWS SDK.
  const { startAwsLocal } = await import('../src/entrypoints/local/aws-local.js');
  const local: AwsLocal = await startAwsLocal({
    ...process.env,
    HERALD_PORT: '0',
    HERALD_LOG_LEVEL: 'silent',
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    // Retries come back at once (DelaySeconds 0): the cost of an attempt does not depend on the wait.
    HERALD_RETRY_BASE_DELAY_MS: '1',
    HERALD_RETRY_MAX_DELAY_MS: '1',
    // The sweeper's cost is measured on its own, below.
    HERALD_LOCAL_SWEEP_INTERVAL_MS: '86400000',
    // Every notification of the retry scenarios fails twice in a row: an opening breaker would hold
    // the vendor for its cool-down. What is measured here is the cost of attempts, not the breaker.
    HERALD_BREAKER_FAILURES: '1000',
    // The local event source runs six batches at once in this one process, which holds one
    // per-destination cap (24 by default): a burst of 100 to one vendor would be held back and
    // re-sent here, where a Lambda container, one batch of 10 at a time, stays under its cap.
    HERALD_DESTINATION_CONCURRENCY: '64',
  });
  const vendor: Vendor = await startVendor();
  // Queue checks on a client of their own, so that they are not counted.
  const probe = localSqsClient(local.endpoints.sqs);
  const meter = new AwsCallMeter().registerTable(heraldTableDefinition(local.tableName));
  meter
    .attach(local.runtime.clients.dynamoDb)
    .attach(local.runtime.clients.sqs)
    .attach(await local.runtime.clients.s3.get())
    .attach(local.eventSourceSqs);
  const invocations = watchInvocations(local);

  try {
    // Unmeasured: loads and JIT-compiles the handlers (the S3 SDK too, which only a large body loads),
    // and cycles the long polls begun before the meter.
    for (const { bodyBytes, notifications } of WARM_UP) {
      await measureScenario(
        local,
        vendor,
        probe,
        meter,
        invocations,
        { bodyBytes, attempts: 1, batchSize: 1 },
        notifications,
      );
    }
    const scenarios: CostScenario[] = [];
    let created = WARM_UP.reduce((sum, run) => sum + run.notifications, 0);
    for (const shape of SCENARIOS) {
      const n =
        shape.batchSize === 1
          ? options.notifications
          : shape.batchSize * Math.max(MIN_BATCHES, Math.ceil(options.notifications / shape.batchSize));
      scenarios.push(await measureScenario(local, vendor, probe, meter, invocations, shape, n));
      created += n;
    }
    const sweeperFixed = await measureSweeper(local, meter);
    const sweeperPerNotification = await measureSweeperPerNotification(local, meter, created);
    return { assumptions: assumptions(), scenarios, sweeperFixed, sweeperPerNotification };
  } finally {
    probe.destroy();
    await vendor.close();
    await local.stop();
  }
}

async function measureScenario(
  local: AwsLocal,
  vendor: Vendor,
  probe: SQSClient,
  meter: AwsCallMeter,
  invocations: ReturnType<typeof watchInvocations>,
  shape: ScenarioShape,
  n: number,
): Promise<CostScenario> {
  const label =
    `${shape.bodyBytes / 1024} KB body, ${shape.attempts === 1 ? '1 attempt' : `${shape.attempts} attempts (503, 503, 200)`}` +
    (shape.batchSize === 1 ? '' : `, batches of ${shape.batchSize}`) +
    (shape.ordered ? ', one ordering key (FIFO queue)' : '');
  progress(`${label}: ${n} notifications`);
  const queueUrl = shape.ordered ? (local.queues.ordered?.queueUrl as string) : local.queues.queueUrl;
  await waitForIdleQueue(probe, queueUrl, 90_000);
  meter.reset();
  invocations.take();

  const path = shape.attempts === 1 ? '/ok' : `/fail-first/${shape.attempts - 1}`;
  const notification = {
    url: `${vendor.url}${path}`,
    body: 'x'.repeat(shape.bodyBytes),
    ...(shape.ordered ? { orderingKey: `cost-${randomUUID()}` } : {}),
  };
  const { ingestMs, ids } =
    shape.batchSize === 1
      ? await ingestOneByOne(local.url, notification, n)
      : await ingestInBatches(local.url, notification, n, shape.batchSize);
  const deadline = performance.now() + 120_000;
  while (ids.some((id) => vendor.requestsFor(id).length < shape.attempts)) {
    if (performance.now() > deadline) throw new Error(`${label}: not every notification was delivered in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await waitForIdleQueue(probe, queueUrl, 90_000);
  const counted: MeterSnapshot = meter.snapshot();
  const batches = invocations.take();
  const duplicates = ids.filter((id) => vendor.requestsFor(id).length !== shape.attempts).length;
  if (duplicates > 0) throw new Error(`${label}: ${duplicates} notifications saw an unexpected number of requests`);

  return price(label, shape, n, counted, ingestMs, batches);
}

type NotificationInput = { url: string; body: string; orderingKey?: string };

async function post(url: string, body: unknown): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, ms: performance.now() - started };
}

/**
 * POST /v1/notifications: a few one at a time, so that each round trip is one ingest invocation
 * (plus the local bridge) and can be timed; the rest ten at a time, so that the event source sees
 * batches as it would under load.
 */
async function ingestOneByOne(baseUrl: string, notification: NotificationInput, n: number) {
  const ingestMs: number[] = [];
  const ids: string[] = [];
  const send = async (timed: boolean) => {
    const { status, text, ms } = await post(`${baseUrl}/v1/notifications`, notification);
    if (timed) ingestMs.push(ms);
    if (status !== 202) throw new Error(`ingest answered ${status}: ${text}`);
    ids.push((JSON.parse(text) as { id: string }).id);
  };
  const sequential = Math.min(INGEST_TIMED, n);
  for (let i = 0; i < sequential; i++) await send(true);
  let next = sequential;
  await Promise.all(
    Array.from({ length: INGEST_CONCURRENCY }, async () => {
      while (next < n) {
        next++;
        await send(false);
      }
    }),
  );
  return { ingestMs, ids };
}

/** POST /v1/notifications/batch, one batch at a time, each timed: one ingest invocation per batch. */
async function ingestInBatches(baseUrl: string, notification: NotificationInput, n: number, batchSize: number) {
  const ingestMs: number[] = [];
  const ids: string[] = [];
  for (let sent = 0; sent < n; sent += batchSize) {
    const notifications = Array.from({ length: Math.min(batchSize, n - sent) }, () => notification);
    const { status, text, ms } = await post(`${baseUrl}/v1/notifications/batch`, { notifications });
    if (status !== 200) throw new Error(`batch ingest answered ${status}: ${text}`);
    const { results } = JSON.parse(text) as { results: { status: number; notification?: { id: string } }[] };
    const refused = results.filter((r) => r.status !== 202 || r.notification === undefined);
    if (refused.length > 0) throw new Error(`batch ingest refused ${refused.length} items: ${text.slice(0, 500)}`);
    ingestMs.push(ms);
    for (const r of results) ids.push((r.notification as { id: string }).id);
  }
  return { ingestMs, ids };
}

function price(
  label: string,
  shape: ScenarioShape,
  n: number,
  counted: MeterSnapshot,
  ingestMs: number[],
  batches: { sizes: number[]; timedMs: number[] },
): CostScenario {
  const calls = counted.requests;
  const dynamoDb = counted.dynamoDb;
  const workerMessages = batches.sizes.reduce((sum, size) => sum + size, 0) / n;
  const meanBilledBatchMs =
    batches.timedMs.reduce((sum, ms) => sum + billedMs(ms), 0) / Math.max(1, batches.timedMs.length);
  const batch = shape.ordered ? LAMBDA_DEPLOYMENT.orderedEventSourceBatchSize : LAMBDA_DEPLOYMENT.eventSourceBatchSize;
  const sqsPrice = shape.ordered ? PRICES.sqsFifoRequest : PRICES.sqsRequest;
  // Our own SQS requests carry only the notification id: one 64 KB chunk each.
  const sends = ((calls['SQS.SendMessage'] ?? 0) / n) * Math.ceil(64 / (SQS_BILLING_CHUNK_BYTES / 1024));
  // Standard: a ReceiveMessage and a DeleteMessageBatch per batch. Ordered (batch 1): a receive per
  // message handed out, one delete per notification (a retry is kept and postponed, not deleted).
  const eventSourceRequests = shape.ordered ? workerMessages + 1 : (2 * workerMessages) / batch;
  const postpones = (calls['SQS.ChangeMessageVisibility'] ?? 0) / n;
  const sqsBilled = sends + eventSourceRequests + postpones;
  const ingestGb = LAMBDA_DEPLOYMENT.ingestMemoryMb / 1024;
  const workerGb = LAMBDA_DEPLOYMENT.workerMemoryMb / 1024;
  const meanBilledIngestMs = ingestMs.reduce((sum, ms) => sum + billedMs(ms), 0) / ingestMs.length;
  // One ingest request (and invocation) carries batchSize notifications: its time is shared by them.
  const ingestGbSeconds = (ingestGb * meanBilledIngestMs) / 1000 / shape.batchSize;
  // A batch's records are delivered in parallel: a batch of ten takes about as long as the batches timed here.
  const workerGbSeconds = (workerGb * meanBilledBatchMs * (workerMessages / batch)) / 1000;
  const httpApiRequests =
    Math.ceil((shape.batchSize * (shape.bodyBytes + 200)) / HTTP_API_METERING_BYTES) / shape.batchSize;
  const lambdaInvocations = 1 / shape.batchSize + workerMessages / batch;
  const batched = shape.batchSize > 1;
  const s3Puts = (calls['S3.PutObject'] ?? 0) / n;
  const s3Gets = (calls['S3.GetObject'] ?? 0) / n;

  const line = (item: string, quantity: number, unit: string, unitPrice: number): CostLine => ({
    item,
    quantity,
    unit,
    unitPrice,
    perMillion: quantity * unitPrice * 1e6,
  });
  const lines = [
    line(
      `DynamoDB writes (table ${(dynamoDb.computed.tableWriteUnits / n).toFixed(2)} + indexes ${(dynamoDb.computed.indexWriteUnits / n).toFixed(2)})`,
      dynamoDb.computed.writeUnits / n,
      'WCU',
      PRICES.dynamoDbWriteUnit,
    ),
    line('DynamoDB reads (as reported by the engine)', dynamoDb.reported.readUnits / n, 'RCU', PRICES.dynamoDbReadUnit),
    line(`SQS${shape.ordered ? ' FIFO' : ''} SendMessage (ingest + retries)`, sends, 'requests', sqsPrice),
    line(
      shape.ordered
        ? `SQS FIFO event source ReceiveMessage (${workerMessages.toFixed(2)} messages, batch 1) + DeleteMessage (1)`
        : `SQS event source ReceiveMessage + DeleteMessageBatch (${workerMessages.toFixed(2)} messages ÷ batch ${batch} × 2)`,
      eventSourceRequests,
      'requests',
      sqsPrice,
    ),
    ...(postpones > 0
      ? [line('SQS FIFO ChangeMessageVisibility (a retry keeps its message)', postpones, 'requests', sqsPrice)]
      : []),
    line(
      `Lambda invocations (ingest ${batched ? `1 ÷ ${shape.batchSize}` : '1'} + worker ${workerMessages.toFixed(2)} ÷ ${batch})`,
      lambdaInvocations,
      'requests',
      PRICES.lambdaRequest,
    ),
    line(
      `Lambda duration, ingest ${LAMBDA_DEPLOYMENT.ingestMemoryMb} MB × mean ${meanBilledIngestMs.toFixed(0)} ms${batched ? ` per batch ÷ ${shape.batchSize}` : ''}`,
      ingestGbSeconds,
      'GB-s',
      PRICES.lambdaGbSecondArm64,
    ),
    line(
      `Lambda duration, worker ${LAMBDA_DEPLOYMENT.workerMemoryMb} MB × mean batch ${meanBilledBatchMs.toFixed(0)} ms (of ${((workerMessages * n) / Math.max(1, batches.sizes.length)).toFixed(1)} messages) × ${workerMessages.toFixed(2)} ÷ ${batch}`,
      workerGbSeconds,
      'GB-s',
      PRICES.lambdaGbSecondArm64,
    ),
    line(
      `API Gateway HTTP API${batched ? ` (one request per batch of ${shape.batchSize})` : ''}`,
      httpApiRequests,
      'requests',
      PRICES.httpApiRequest,
    ),
    line('S3 PutObject (a body over 8 KiB, at ingest)', s3Puts, 'requests', PRICES.s3PutRequest),
    line('S3 GetObject (that body, at each claim)', s3Gets, 'requests', PRICES.s3GetRequest),
  ];
  return {
    label,
    bodyBytes: shape.bodyBytes,
    attempts: shape.attempts,
    batchSize: shape.batchSize,
    ordered: shape.ordered === true,
    notifications: n,
    perNotification: {
      writeUnits: dynamoDb.computed.writeUnits / n,
      tableWriteUnits: dynamoDb.computed.tableWriteUnits / n,
      indexWriteUnits: dynamoDb.computed.indexWriteUnits / n,
      readUnits: dynamoDb.reported.readUnits / n,
      sqsBilledRequests: sqsBilled,
      s3Puts,
      s3Gets,
      dynamoDbCalls: perEach(calls, 'DynamoDB.', n),
      sqsCalls: perEach(calls, 'SQS.', n),
      workerMessages,
      lambdaInvocations,
      ingestMsMedian: median(ingestMs) ?? 0,
      workerBatchMsMedian: median(batches.timedMs) ?? 0,
      workerBatchSizeMean: batches.sizes.length === 0 ? 0 : (workerMessages * n) / batches.sizes.length,
    },
    lines,
    totalPerMillion: lines.reduce((sum, l) => sum + l.perMillion, 0),
  };
}

/** One sweep of an idle table (the steady state), scaled to a month of one-minute schedules. */
async function measureSweeper(local: AwsLocal, meter: AwsCallMeter): Promise<CostResult['sweeperFixed']> {
  progress('sweeper: one scheduled run');
  meter.reset();
  const started = performance.now();
  await local.sweep();
  const ms = performance.now() - started;
  const counted = meter.snapshot();
  const perMonth = 30 * 24 * 60;
  const queries = counted.calls['DynamoDB.Query'] ?? 0;
  // Every Query costs at least 0.5 RCU (eventually consistent); dynalite reports 0 for an empty one.
  const readUnits = Math.max(counted.dynamoDb.reported.readUnits, queries * 0.5);
  // Its short polls of the two dead-letter queues (redrive-dead-letters.ts).
  const sqsRequests = Object.entries(counted.requests)
    .filter(([name]) => name.startsWith('SQS.'))
    .reduce((sum, [, n]) => sum + n, 0);
  const dollars =
    perMonth *
    (readUnits * PRICES.dynamoDbReadUnit +
      sqsRequests * PRICES.sqsRequest +
      PRICES.lambdaRequest +
      ((LAMBDA_DEPLOYMENT.sweeperMemoryMb / 1024) * billedMs(ms) * PRICES.lambdaGbSecondArm64) / 1000);
  return {
    description: `${queries} Queries (${readUnits} RCU) and ${sqsRequests} SQS requests per run, ${perMonth.toLocaleString('en-US')} runs a month at ${LAMBDA_DEPLOYMENT.sweeperMemoryMb} MB × ${billedMs(ms)} ms`,
    dollarsPerMonth: dollars,
  };
}

/**
 * The sweeper's reads and writes per notification created: every notification of the run has its
 * STATE item by now, so two sweeps with their cutoff moved beyond the recheck's delay take both passes
 * (the first, then the recheck) over all of them. Their Queries are per minute bucket, the fixed cost
 * above, and left out; the STATE reads and any write are what a notification adds.
 */
async function measureSweeperPerNotification(
  local: AwsLocal,
  meter: AwsCallMeter,
  created: number,
): Promise<CostResult['sweeperPerNotification']> {
  progress('sweeper: both passes over every notification of the run');
  meter.reset();
  for (const minutesBeyond of [2, 4]) {
    await local.sweep({ staleAfterMs: -(RECHECK_AFTER_MS + minutesBeyond * 60_000) });
  }
  const counted = meter.snapshot();
  const stateReadUnits = (counted.dynamoDb.readUnitsByOperation.BatchGetItem ?? 0) / created;
  // The watermark item's updates, at most two a sweep: not per notification, but counted in full here.
  const writeUnits = counted.dynamoDb.computed.writeUnits / created;
  return {
    stateReadUnits,
    writeUnits,
    dollarsPerMillion: 1e6 * (stateReadUnits * PRICES.dynamoDbReadUnit + writeUnits * PRICES.dynamoDbWriteUnit),
  };
}

function assumptions(): string[] {
  return [
    `Prices: ${PRICES_REGION} on-demand of ${PRICES_DATE} (bench/prices.ts). Lambda on ${LAMBDA_DEPLOYMENT.architecture} as infra/lib/functions.ts deploys it: ingest and worker ${LAMBDA_DEPLOYMENT.ingestMemoryMb} MB.`,
    'Calls: every DynamoDB, SQS and S3 call the real ingest and worker handlers make on start:aws-local (dynalite + fauxqs + s3rver), counted by SDK middleware (test/helpers/aws-call-meter.ts). Vendor on loopback.',
    "Write units: computed by DynamoDB's published rules from the item images (the larger of before and after, per started KB; GSI entries when they enter, leave or change key), because dynalite reports no index writes. Read units: as dynalite reports them.",
    `SQS: our SendMessage bodies are the 36-byte id, one 64 KB chunk each. The event source's ReceiveMessage and DeleteMessageBatch are priced at a full batch of ${LAMBDA_DEPLOYMENT.eventSourceBatchSize} (at load; the local poller's actual calls, idle long polls included, are listed as measured). Empty long polls of an idle queue are a fixed cost, not per notification.`,
    `Lambda duration: ingest = the mean of ${INGEST_TIMED} POST round trips sent one at a time through the local API Gateway bridge (an upper bound of the handler time); worker = the mean time of the batches the local event source invoked (ReceiveMessage answer to DeleteMessageBatch), one batch per ${LAMBDA_DEPLOYMENT.eventSourceBatchSize} messages, since a batch's records are delivered in parallel. dynalite is slower per call than DynamoDB, and a real vendor answers slower than a loopback one: the worker's share grows with the vendor's latency.`,
    'HTTP API: one request per notification (metered per 512 KB). Retries need no HTTP API request.',
    'S3: bodies over 8 KiB are one PutObject at ingest and one GetObject per claim. Storage is not priced here, nor is DynamoDB storage (docs/performance.md compares the two).',
    `Batch ingest (POST /v1/notifications/batch): at least ${MIN_BATCHES} batches, sent one at a time and each timed; a batch's one HTTP API request, ingest invocation and duration are shared by its notifications. Each item is still stored and enqueued as a single ingest does it, so the DynamoDB and SQS figures per notification are measured, not assumed.`,
  ];
}
