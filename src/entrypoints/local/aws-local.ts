/**
 * `npm run start:aws-local`: the AWS mode on one machine (SPEC.md §6). dynalite and fauxqs run in this
 * process on loopback, with the table and queues the CDK stack defines; the real Lambda handlers run
 * behind a local API Gateway (HTTP API, payload 2.0), a local SQS event source mapping and a local
 * schedule for the sweeper. Everything lives in memory and is gone when the process ends.
 *
 * Settings: the HERALD_* variables as for `npm start` (HERALD_BACKEND may only be `aws`; the signing
 * secrets come from HERALD_SIGNING_SECRETS, as there is no local Secrets Manager), plus
 *   HERALD_LOCAL_VISIBILITY_TIMEOUT_S  the delivery queue's visibility timeout, default 30
 *   HERALD_LOCAL_SWEEP_INTERVAL_MS     how often the sweeper runs, default 60000 (the stack's schedule)
 * Powertools metrics (EMF on stdout) are off unless POWERTOOLS_METRICS_DISABLED=false: locally nothing
 * reads them.
 */
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { createPinoLogger } from '../../adapters/observability/pino-logger.js';
import type { HeraldQueues } from '../../adapters/sqs/create-queues.js';
import { sweepPending } from '../../app/sweep-pending.js';
import { ConfigError, loadConfig } from '../../config.js';
import { LIMITS } from '../../domain/request-schema.js';
import type { Logger } from '../../ports/logger.js';
import type { LambdaRuntime } from '../lambda/runtime.js';
import { createLimitedServer } from '../node/server-limits.js';
import { apiGatewayBridge, type HttpApiHandler } from './api-gateway-bridge.js';
import {
  createHeraldQueues,
  createHeraldTable,
  LOCAL_CREDENTIALS_ENV,
  LOCAL_REGION,
  type LocalEngine,
  localBackendEnv,
  localDynamoDbClient,
  localSqsClient,
  startDynalite,
  startFauxqs,
} from './engines.js';
import { type BatchSummary, SqsEventSourcePoller, type SqsHandler } from './event-source-poller.js';
import { type LocalFunction, lambdaContext } from './lambda-context.js';

// Mirrors of the CDK stack (infra/lib/data.ts, infra/lib/functions.ts), which src cannot import.
const MAX_RECEIVE_COUNT = 5;
const WORKER_BATCH_SIZE = 10;
const FUNCTIONS = {
  ingest: { name: 'herald-local-ingest', timeoutMs: 10_000, memoryMb: 512 },
  worker: { name: 'herald-local-worker', timeoutMs: LIMITS.maxTimeoutMs + 30_000, memoryMb: 512 },
  sweeper: { name: 'herald-local-sweeper', timeoutMs: 50_000, memoryMb: 256 },
} satisfies Record<string, LocalFunction>;

const TABLE_NAME = 'herald-local';
const QUEUE_PREFIX = 'herald-local';

export interface AwsLocal {
  url: string;
  tableName: string;
  queues: HeraldQueues;
  endpoints: { dynamoDb: string; sqs: string };
  /** The handlers' shared runtime: their dependencies and SDK clients (for SDK middleware in tests). */
  runtime: LambdaRuntime;
  /** The event source mapping's own SQS client (ReceiveMessage, DeleteMessageBatch). */
  eventSourceSqs: SQSClient;
  logger: Logger;
  /** Calls `listener` after every settled worker batch; returns the unsubscribe function. */
  onBatch(listener: (summary: BatchSummary) => void): () => void;
  /**
   * Runs the sweeper now: the real handler. With `staleAfterMs` (tests only: the handler always waits
   * the production minute) it runs the sweeper's use case with that staleness instead.
   */
  sweep(options?: { staleAfterMs?: number }): Promise<{ enqueued: number; recovered?: number }>;
  /** Stops polling, lets the batches and requests in flight finish, closes the server and the engines. */
  stop(): Promise<void>;
}

let started = false;

/**
 * Starts everything and resolves once the API listens. `env` is read like loadConfig reads it; the
 * runner then writes the table, queue, endpoint and fake credential variables into process.env before
 * it loads the handlers, because a Lambda handler reads its configuration from the environment when
 * its module loads. Hence once per process: the handlers keep one runtime per process, as a Lambda
 * container does.
 */
export async function startAwsLocal(env: NodeJS.ProcessEnv = process.env): Promise<AwsLocal> {
  const settings = localSettings(env);
  const config = loadConfig({
    ...env,
    HERALD_BACKEND: 'aws',
    // Placeholders, so everything else is validated before anything starts; the real values follow.
    HERALD_TABLE_NAME: TABLE_NAME,
    HERALD_QUEUE_URL: 'http://127.0.0.1/queue',
  });
  if (started) {
    throw new Error('startAwsLocal runs once per process: the Lambda handlers keep one runtime per process');
  }
  started = true;
  const logger = createPinoLogger(config.logLevel);
  const region = config.aws.region ?? LOCAL_REGION;

  const undo: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const engines = await Promise.allSettled([startDynalite(), startFauxqs()]);
    for (const engine of engines) if (engine.status === 'fulfilled') undo.push(() => engine.value.stop());
    const [dynalite, fauxqs] = engines.map((engine) => {
      if (engine.status === 'rejected') throw engine.reason;
      return engine.value;
    }) as [LocalEngine, LocalEngine];

    const setupDynamoDb = localDynamoDbClient(dynalite.endpoint);
    try {
      await createHeraldTable(setupDynamoDb, TABLE_NAME);
    } finally {
      setupDynamoDb.destroy();
    }
    const eventSourceSqs = localSqsClient(fauxqs.endpoint);
    undo.push(() => eventSourceSqs.destroy());
    const queues = await createHeraldQueues(eventSourceSqs, QUEUE_PREFIX, {
      maxReceiveCount: MAX_RECEIVE_COUNT,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    });

    const endpoints = { dynamoDb: dynalite.endpoint, sqs: fauxqs.endpoint };
    undo.push(
      setEnvironment({
        ...env,
        ...localBackendEnv({ tableName: TABLE_NAME, queues, endpoints, region }),
        ...LOCAL_CREDENTIALS_ENV,
        POWERTOOLS_METRICS_DISABLED: env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      }),
    );

    const [ingest, worker, sweeper, { lambdaRuntime }] = await Promise.all([
      import('../lambda/ingest.js'),
      import('../lambda/worker.js'),
      import('../lambda/sweeper.js'),
      import('../lambda/runtime.js'),
    ]);
    const runtime = lambdaRuntime();
    undo.push(() => runtime.close());
    const context = (fn: LocalFunction) => () => lambdaContext(fn, region);

    const listeners = new Set<(summary: BatchSummary) => void>();
    const poller = new SqsEventSourcePoller({
      sqs: eventSourceSqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region,
      handler: worker.handler as SqsHandler,
      context: context(FUNCTIONS.worker),
      concurrency: Math.max(1, Math.floor(config.deliveryConcurrency / WORKER_BATCH_SIZE)),
      batchSize: WORKER_BATCH_SIZE,
      logger,
      onBatch: (summary) => {
        for (const listener of listeners) listener(summary);
      },
    });
    poller.start();
    undo.push(() => poller.stop());

    // The node server's limits (API Gateway has its own), so a local run stands up to the same abuse.
    const server = createLimitedServer(
      apiGatewayBridge({
        handler: ingest.handler as unknown as HttpApiHandler,
        context: context(FUNCTIONS.ingest),
        apiKeys: config.apiKeys,
        logger,
      }),
      logger,
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;

    const runSweeper = async (): Promise<{ enqueued: number; recovered?: number }> =>
      sweeper.handler(scheduledEvent(region), lambdaContext(FUNCTIONS.sweeper, region));
    let sweeping: Promise<unknown> | undefined;
    const timer = setInterval(() => {
      if (sweeping) return; // EventBridge would start another; one at a time is enough locally
      sweeping = runSweeper()
        .catch((error: unknown) => logger.error({ err: error }, 'sweeper failed; it runs again at the next tick'))
        .finally(() => {
          sweeping = undefined;
        });
    }, settings.sweepIntervalMs);
    timer.unref();

    logger.info(
      {
        url,
        tableName: TABLE_NAME,
        queueUrl: queues.queueUrl,
        dlqUrl: queues.dlqUrl,
        dynamoDbEndpoint: dynalite.endpoint,
        sqsEndpoint: fauxqs.endpoint,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        sweepIntervalMs: settings.sweepIntervalMs,
        authentication: config.apiKeys.length > 0,
      },
      'Herald (AWS mode on local engines) is listening',
    );

    let stopping: Promise<void> | undefined;
    return {
      url,
      tableName: TABLE_NAME,
      queues,
      endpoints,
      runtime,
      eventSourceSqs,
      logger,
      onBatch(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async sweep(options = {}) {
        if (options.staleAfterMs === undefined) return runSweeper();
        let enqueued = 0;
        for (;;) {
          const swept = await sweepPending(runtime.deps, 100, options.staleAfterMs);
          enqueued += swept;
          if (swept === 0) return { enqueued };
        }
      },
      stop() {
        stopping ??= (async () => {
          clearInterval(timer);
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await poller.stop();
          await closed;
          await sweeping;
          // Poller, runtime, clients, environment, engines: in reverse order of creation.
          await unwind();
          logger.info({}, 'Herald (AWS mode on local engines) stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

interface LocalSettings {
  visibilityTimeoutSeconds: number;
  sweepIntervalMs: number;
}

function localSettings(env: NodeJS.ProcessEnv): LocalSettings {
  const backend = env.HERALD_BACKEND?.trim();
  if (backend && backend !== 'aws') {
    throw new ConfigError(
      `Invalid configuration:\n  HERALD_BACKEND: start:aws-local runs the AWS backend only (got ${JSON.stringify(backend)})`,
    );
  }
  if (env.HERALD_SIGNING_SECRET_ARN?.trim()) {
    throw new ConfigError(
      'Invalid configuration:\n  HERALD_SIGNING_SECRET_ARN: start:aws-local has no Secrets Manager; list the secrets in HERALD_SIGNING_SECRETS',
    );
  }
  return {
    visibilityTimeoutSeconds: wholeNumber(env, 'HERALD_LOCAL_VISIBILITY_TIMEOUT_S', 30, 0, 43_200),
    sweepIntervalMs: wholeNumber(env, 'HERALD_LOCAL_SWEEP_INTERVAL_MS', 60_000, 100, 86_400_000),
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(
      `Invalid configuration:\n  ${name}: must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`,
    );
  }
  return value;
}

/** Writes `values` into process.env (undefined deletes); returns the function that puts it back. */
function setEnvironment(values: NodeJS.ProcessEnv): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    previous.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** The event an EventBridge schedule rule sends. */
function scheduledEvent(region: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:events:${region}:123456789012:rule/herald-local-sweeper`],
    detail: {},
  };
}

async function main(): Promise<void> {
  let local: AwsLocal;
  try {
    local = await startAwsLocal(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    process.stderr.write(
      `Herald (aws-local) failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    local.logger.info({ signal }, 'shutting down: finishing the batches and requests in flight');
    local.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        local.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) void main();
