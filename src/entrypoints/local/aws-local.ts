/**
 * `npm run start:aws-local`: the AWS mode on one machine (README, Configuration). dynalite, fauxqs and
 * s3rver run in this process on loopback, with the table, queues and body bucket the CDK stack
 * defines; the real Lambda handlers run behind a local API Gateway (HTTP API, payload 2.0), a local SQS
 * event source mapping and a local schedule for the sweeper. Everything lives in memory (s3rver's
 * objects in a temporary directory) and is gone when the process ends.
 *
 * Settings: the HERALD_* variables as for `npm start` (HERALD_BACKEND may only be `aws`; the signing
 * secrets come from HERALD_SIGNING_SECRETS and the secrets key from HERALD_SECRETS_KEY, as there is no
 * local Secrets Manager; without it the key is made in memory, like the engines' data), plus
 *   HERALD_LOCAL_VISIBILITY_TIMEOUT_S  the delivery queue's visibility timeout, default 30
 *   HERALD_LOCAL_SWEEP_INTERVAL_MS     how often the sweeper runs, default 60000 (the stack's schedule)
 *   HERALD_LOCAL_MAX_RECEIVE_COUNT     receives before the delivery queue dead-letters a message, default 5
 *                                      (the stack's)
 *   HERALD_LOCAL_PAUSED_RECHECK_MS     how often a paused destination's held message is looked at again,
 *                                      default 20000 (as deployed)
 * Powertools metrics (EMF on stdout) are off unless POWERTOOLS_METRICS_DISABLED=false: locally nothing
 * reads them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { LOCAL_ENGINE_CREDENTIALS } from '../../adapters/aws-clients.js';
import { createPinoLogger } from '../../adapters/observability/pino-logger.js';
import type { HeraldQueues } from '../../adapters/sqs/create-queues.js';
import { PAUSED_RECHECK_MS } from '../../app/deliver-notification.js';
import { sweepPending } from '../../app/sweep-pending.js';
import { ConfigError, loadConfig } from '../../config.js';
import { SECRETS_KEY_BYTES } from '../../domain/secret-box.js';
import type { Logger } from '../../ports/logger.js';
import { callerByApiKey } from '../api/api-keys.js';
import {
  DEAD_LETTER_QUEUE,
  DELIVERY_QUEUE,
  LAMBDA_FUNCTIONS,
  ORDERED_EVENT_SOURCE,
  ORDERED_QUEUE,
  SWEEPER_SCHEDULE,
  WORKER_EVENT_SOURCE,
} from '../lambda/deployment.js';
import { createIngestHandler } from '../lambda/ingest-handler.js';
import { createLambdaRuntime, type LambdaRuntime } from '../lambda/runtime.js';
import { createSweeperHandler } from '../lambda/sweeper-handler.js';
import { createWorkerHandler } from '../lambda/worker-handler.js';
import { answeringOnlyForBoundHost } from '../node/bound-host.js';
import { closeServer, createLimitedServer } from '../node/server-limits.js';
import { apiGatewayBridge, type HttpApiHandler } from './api-gateway-bridge.js';
import {
  createBodyBucket,
  createHeraldQueues,
  createHeraldTable,
  LOCAL_REGION,
  type LocalEngine,
  localDynamoDbClient,
  localS3Client,
  localSqsClient,
  startDynalite,
  startFauxqs,
  startS3rver,
} from './engines.js';
import { type BatchSummary, SqsEventSourcePoller, type SqsHandler } from './event-source-poller.js';
import { type LocalFunction, lambdaContext } from './lambda-context.js';

/**
 * Long polls one event source keeps open at once: each holds one of its SQS client's sockets (the
 * SDK's agent allows 50), and the rest of the client's calls need some. So locally at most this many
 * ordered deliveries run at once (the ordered source takes one message per poll).
 */
const MAX_LONG_POLLS_PER_CLIENT = 32;

// The functions, queues and schedule of the CDK stack, from the module it is built from.
const localFunction = (name: keyof typeof LAMBDA_FUNCTIONS): LocalFunction => ({
  name: `herald-local-${name}`,
  timeoutMs: LAMBDA_FUNCTIONS[name].timeoutSeconds * 1000,
  memoryMb: LAMBDA_FUNCTIONS[name].memoryMb,
});
const FUNCTIONS = {
  ingest: localFunction('ingest'),
  worker: localFunction('worker'),
  sweeper: localFunction('sweeper'),
};
const DAY_SECONDS = 24 * 3600;
/**
 * Not the stack's visibility timeout (DELIVERY_QUEUE, 9 minutes): locally a message whose worker
 * died should come back while someone is watching.
 */
const LOCAL_VISIBILITY_TIMEOUT_S = 30;

const TABLE_NAME = 'herald-local';
const QUEUE_PREFIX = 'herald-local';
const BODY_BUCKET = 'herald-local-bodies';

export interface AwsLocal {
  url: string;
  tableName: string;
  queues: HeraldQueues;
  bodyBucket: string;
  endpoints: { dynamoDb: string; sqs: string; s3: string };
  /** The handlers' shared runtime: their dependencies and SDK clients (for SDK middleware in tests). */
  runtime: LambdaRuntime;
  /** The real Lambda handlers on that runtime, as the local API Gateway, event source and schedule call them. */
  handlers: {
    ingest: HttpApiHandler;
    worker: SqsHandler;
    sweeper: (event: ScheduledEvent, context: Context) => Promise<{ enqueued: number; redriven: number }>;
  };
  /** The event source mapping's own SQS client (ReceiveMessage, DeleteMessageBatch). */
  eventSourceSqs: SQSClient;
  logger: Logger;
  /** Calls `listener` after every settled worker batch; returns the unsubscribe function. */
  onBatch(listener: (summary: BatchSummary) => void): () => void;
  /**
   * Runs the sweeper now: the real handler. With `staleAfterMs` (tests only: the handler always waits
   * the production minute) it runs the sweeper's use case with that staleness instead.
   */
  sweep(options?: { staleAfterMs?: number }): Promise<{ enqueued: number; redriven?: number; recovered?: number }>;
  /** Stops polling, lets the batches and requests in flight finish, closes the server and the engines. */
  stop(): Promise<void>;
}

/**
 * Starts everything and resolves once the API listens. `env` is read like loadConfig reads it, and
 * only read: the handlers get a runtime built from this instance's own configuration (its table,
 * queues, endpoints and the engines' fake credentials), never from process.env. So a process may run
 * several, each with settings of its own (tests do).
 */
export async function startAwsLocal(env: NodeJS.ProcessEnv = process.env): Promise<AwsLocal> {
  const settings = localSettings(env);
  const config = loadConfig({
    ...env,
    HERALD_BACKEND: 'aws',
    // Placeholders, so everything else is validated before anything starts; the real values follow.
    HERALD_TABLE_NAME: TABLE_NAME,
    HERALD_QUEUE_URL: 'http://127.0.0.1/queue',
    HERALD_BODY_BUCKET: BODY_BUCKET,
  });
  const logger = createPinoLogger(config.logLevel);
  const region = config.aws.region ?? LOCAL_REGION;

  const undo: (() => Promise<void> | void)[] = [];
  const unwind = async () => {
    for (const step of undo.reverse()) await step();
  };
  try {
    const engines = await Promise.allSettled([startDynalite(), startFauxqs(), startS3rver()]);
    for (const engine of engines) if (engine.status === 'fulfilled') undo.push(() => engine.value.stop());
    const [dynalite, fauxqs, s3rver] = engines.map((engine) => {
      if (engine.status === 'rejected') throw engine.reason;
      return engine.value;
    }) as [LocalEngine, LocalEngine, LocalEngine];

    const setupDynamoDb = localDynamoDbClient(dynalite.endpoint);
    try {
      await createHeraldTable(setupDynamoDb, TABLE_NAME);
    } finally {
      setupDynamoDb.destroy();
    }
    const setupS3 = localS3Client(s3rver.endpoint);
    try {
      await createBodyBucket(setupS3, BODY_BUCKET);
    } finally {
      setupS3.destroy();
    }
    const eventSourceSqs = localSqsClient(fauxqs.endpoint);
    undo.push(() => eventSourceSqs.destroy());
    const deadLetterRetention = DEAD_LETTER_QUEUE.retentionDays * DAY_SECONDS;
    const queues = await createHeraldQueues(
      eventSourceSqs,
      QUEUE_PREFIX,
      {
        maxReceiveCount: settings.maxReceiveCount,
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        retentionSeconds: { queue: DELIVERY_QUEUE.retentionDays * DAY_SECONDS, deadLetterQueue: deadLetterRetention },
      },
      {
        visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
        retentionSeconds: ORDERED_QUEUE.retentionDays * DAY_SECONDS,
      },
    );
    const ordered = queues.ordered as NonNullable<typeof queues.ordered>;

    const endpoints = { dynamoDb: dynalite.endpoint, sqs: fauxqs.endpoint, s3: s3rver.endpoint };
    const runtime = createLambdaRuntime(
      {
        ...config,
        // Its engines keep nothing past a stop, so neither need its key.
        secretsKey: config.secretsKey ?? randomBytes(SECRETS_KEY_BYTES).toString('base64'),
        aws: {
          ...config.aws,
          tableName: TABLE_NAME,
          queueUrl: queues.queueUrl,
          orderedQueueUrl: ordered.queueUrl,
          dlqUrl: queues.dlqUrl,
          bodyBucket: BODY_BUCKET,
          region,
          dynamoDbEndpoint: endpoints.dynamoDb,
          sqsEndpoint: endpoints.sqs,
          s3Endpoint: endpoints.s3,
        },
      },
      // Local engines check no signatures, and real credentials have no business reaching them.
      {
        credentials: LOCAL_ENGINE_CREDENTIALS,
        publishMetrics: settings.publishMetrics,
        pausedRecheckMs: settings.pausedRecheckMs,
      },
    );
    undo.push(() => runtime.close());
    const handlers: AwsLocal['handlers'] = {
      ingest: createIngestHandler(runtime, config.apiKeys) as unknown as HttpApiHandler,
      worker: createWorkerHandler(runtime),
      sweeper: createSweeperHandler(runtime),
    };
    const context = (fn: LocalFunction) => () => lambdaContext(fn, region);

    const listeners = new Set<(summary: BatchSummary) => void>();
    const eventSource = (sqs: SQSClient, queue: { queueUrl: string; queueArn: string }, batchSize: number) =>
      new SqsEventSourcePoller({
        sqs,
        queueUrl: queue.queueUrl,
        queueArn: queue.queueArn,
        region,
        handler: handlers.worker,
        context: context(FUNCTIONS.worker),
        concurrency: Math.min(
          Math.max(1, Math.floor(config.deliveryConcurrency / batchSize)),
          MAX_LONG_POLLS_PER_CLIENT,
        ),
        batchSize,
        logger,
        onBatch: (summary) => {
          for (const listener of listeners) listener(summary);
        },
      });
    // The worker's two event sources, as in the stack: the standard queue in batches, the ordered one
    // a message per invocation, long-polling on a client of its own (each long poll holds a socket).
    const orderedEventSourceSqs = localSqsClient(fauxqs.endpoint);
    undo.push(() => orderedEventSourceSqs.destroy());
    const pollers = [
      eventSource(eventSourceSqs, queues, WORKER_EVENT_SOURCE.batchSize),
      eventSource(orderedEventSourceSqs, ordered, ORDERED_EVENT_SOURCE.batchSize),
    ];
    for (const poller of pollers) {
      poller.start();
      undo.push(() => poller.stop());
    }

    // The node server's limits (API Gateway has its own), so a local run stands up to the same abuse.
    // As the node server: without keys, only requests naming this server are answered (no DNS rebinding).
    const keyless = config.apiKeys.length === 0;
    const callerOf = callerByApiKey(config.apiKeys);
    const bridge = apiGatewayBridge({
      handler: handlers.ingest,
      context: context(FUNCTIONS.ingest),
      logger,
      hasValidKey: (authorization) => callerOf(authorization) !== undefined,
    });
    const server = createLimitedServer(keyless ? answeringOnlyForBoundHost(bridge, config.host) : bridge, logger);
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
      handlers.sweeper(scheduledEvent(region), lambdaContext(FUNCTIONS.sweeper, region));
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
        bodyBucket: BODY_BUCKET,
        s3Endpoint: s3rver.endpoint,
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
      bodyBucket: BODY_BUCKET,
      endpoints,
      runtime,
      handlers,
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
          const closed = closeServer(server);
          await Promise.all(pollers.map((poller) => poller.stop()));
          await closed;
          await sweeping;
          // Pollers, runtime, clients, engines: in reverse order of creation.
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
  maxReceiveCount: number;
  pausedRecheckMs: number;
  /** Powertools' EMF metrics on stdout: only with POWERTOOLS_METRICS_DISABLED=false, nothing reads them here. */
  publishMetrics: boolean;
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
  if (env.HERALD_SECRETS_KEY_ARN?.trim()) {
    throw new ConfigError(
      'Invalid configuration:\n  HERALD_SECRETS_KEY_ARN: start:aws-local has no Secrets Manager; set HERALD_SECRETS_KEY, or leave it unset for a key in memory',
    );
  }
  return {
    visibilityTimeoutSeconds: wholeNumber(
      env,
      'HERALD_LOCAL_VISIBILITY_TIMEOUT_S',
      LOCAL_VISIBILITY_TIMEOUT_S,
      0,
      43_200,
    ),
    sweepIntervalMs: wholeNumber(
      env,
      'HERALD_LOCAL_SWEEP_INTERVAL_MS',
      SWEEPER_SCHEDULE.rateMinutes * 60_000,
      100,
      86_400_000,
    ),
    maxReceiveCount: wholeNumber(env, 'HERALD_LOCAL_MAX_RECEIVE_COUNT', DELIVERY_QUEUE.maxReceiveCount, 1, 1000),
    pausedRecheckMs: wholeNumber(env, 'HERALD_LOCAL_PAUSED_RECHECK_MS', PAUSED_RECHECK_MS, 100, 3_600_000),
    publishMetrics: /^(false|0|no|off)$/i.test(env.POWERTOOLS_METRICS_DISABLED?.trim() ?? ''),
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
