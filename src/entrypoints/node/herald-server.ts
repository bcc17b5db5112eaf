import type { IncomingMessage, RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type HttpBindings, RequestError } from '@hono/node-server';
import { UndiciHttpSender } from '../../adapters/http/undici-sender.js';
import { createPinoLogger } from '../../adapters/observability/pino-logger.js';
import { PrometheusMetrics, UNHEALTHY_DESTINATIONS_SHOWN } from '../../adapters/observability/prometheus-metrics.js';
import { DurabilityLoss } from '../../adapters/sqlite/durability-loss.js';
import type { AppDependencies } from '../../app/dependencies.js';
import { readOperatorStats } from '../../app/get-stats.js';
import { redriveDeadLetters } from '../../app/redrive-dead-letters.js';
import { sweepPending } from '../../app/sweep-pending.js';
import type { HeraldConfig } from '../../config.js';
import type { Caller } from '../../domain/caller.js';
import { LIMITS } from '../../domain/request-schema.js';
import type { MessageSource } from '../../ports/delivery-queue.js';
import type { Logger } from '../../ports/logger.js';
import { callerByApiKey } from '../api/api-keys.js';
import { createHttpApi, type HttpApiBindings } from '../api/http-api.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../api/problem.js';
import { buildAppDependencies } from '../app-dependencies.js';
import type { Backend } from '../backend.js';
import { openBackend, openSigningSecrets } from './backend.js';
import { answeringOnlyForBoundHost } from './bound-host.js';
import { CONSOLE_PATH, loadConsoleAssets } from './console-assets.js';
import { DeliveryThread } from './delivery-thread-host.js';
import { DURABILITY_LOST_MESSAGE, EXIT_DURABILITY_LOST, FatalExit } from './fatal-exit.js';
import { RecoveryRunner } from './recovery-runner.js';
import { readBody } from './request-body.js';
import { RetentionRunner } from './retention-runner.js';
import { openNodeSecretsKey } from './secrets-key.js';
import { closeServer, createLimitedServer } from './server-limits.js';
import { StoreWorker } from './store-worker.js';
import { discardBody } from './unread-body.js';
import { WorkerPool } from './worker-pool.js';

const SWEEP_INTERVAL_MS = 30_000;

export interface RunningHerald {
  url: string;
  logger: Logger;
  activeDeliveries(): number;
  /** Stops accepting, drains the deliveries in flight, closes the store. */
  stop(): Promise<void>;
}

interface Workers {
  readonly activeDeliveries: number;
  stop(): Promise<void>;
}

/**
 * Where the store is the queue on a file, the deliveries run on a thread of their own with their own
 * connection (delivery-thread.ts). A `:memory:` database has no file another connection could open:
 * its worker runs on the main thread (startWorkers).
 */
async function startDeliveryThread(
  config: HeraldConfig,
  backend: Backend,
  parts: { metrics: PrometheusMetrics; logger: Logger; durabilityLoss: DurabilityLoss; exit: FatalExit },
): Promise<DeliveryThread | undefined> {
  if (!backend.claimable || config.dbPath === ':memory:') return undefined;
  return DeliveryThread.start(config, { wake: backend.claimable.wake, ...parts });
}

/**
 * The main thread's view of the backend beside a delivery thread: it claims nothing; the thread is
 * told of every destination record it changes (an operator's pause), and its own copy of a record is
 * never trusted, since the thread changes them (a breaker opening).
 */
function mainThreadBackend(backend: Backend, thread: DeliveryThread): Backend {
  const { claimable: _claimedByTheThread, ...rest } = backend;
  return { ...rest, destinations: thread.announcingChanges(backend.destinations), destinationCacheMs: 0 };
}

/**
 * The store-fed worker where the store is the queue (SQLite), else queue-fed ones (AWS): one on the
 * standard queue and, when configured, one on the ordered queue, taking its messages one at a time.
 */
function startWorkers(deps: AppDependencies, backend: Backend, concurrency: number): Workers {
  if (backend.claimable) {
    const worker = new StoreWorker(deps, backend.claimable.store, backend.claimable.wake, { concurrency });
    worker.start();
    return worker;
  }
  const pools = [new WorkerPool(deps, backend.messages as MessageSource, { concurrency })];
  if (backend.orderedMessages) {
    pools.push(new WorkerPool(deps, backend.orderedMessages, { concurrency, messagesPerReceive: 1 }));
  }
  for (const pool of pools) pool.start();
  return {
    get activeDeliveries() {
      return pools.reduce((sum, pool) => sum + pool.activeDeliveries, 0);
    },
    stop: async () => {
      await Promise.all(pools.map((pool) => pool.stop()));
    },
  };
}

/**
 * Starts the service. `exit` ends the process after a fault it must not run on from (fatal-exit.ts):
 * an fdatasync of its SQLite file that failed, a delivery thread that failed; tests watch it instead.
 */
export async function startHerald(
  config: HeraldConfig,
  logger: Logger = createPinoLogger(config.logLevel),
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<RunningHerald> {
  // Before the store: a key file that cannot be trusted stops the start with nothing to undo.
  const secretsKey = await openNodeSecretsKey(config, logger);
  const fatal = new FatalExit(exit);
  const durabilityLoss = new DurabilityLoss();
  const backend = await openBackend(config, logger, {
    loss: durabilityLoss,
    onLost: (error) => {
      logger.error({ err: error }, DURABILITY_LOST_MESSAGE);
      fatal.now(EXIT_DURABILITY_LOST);
    },
  });
  const signing = await openSigningSecrets(config);
  const sender = new UndiciHttpSender({ allowPrivateTargets: config.allowPrivateTargets, logger });
  // The gauges read the store through the use cases, which need the metrics first: hence the closure.
  const metrics = new PrometheusMetrics(async () => {
    const { stats, unhealthy } = await readOperatorStats(deps, UNHEALTHY_DESTINATIONS_SHOWN);
    const oldestDueAt = stats.oldestDueAt === null ? null : Date.parse(stats.oldestDueAt);
    return { ...stats, oldestDueAt, unhealthy, now: Date.now() };
  });
  const thread = await startDeliveryThread(config, backend, { metrics, logger, durabilityLoss, exit: fatal });
  const deps: AppDependencies = buildAppDependencies(config, {
    backend: thread ? mainThreadBackend(backend, thread) : backend,
    sender,
    logger,
    metrics,
    signingSecrets: signing.secrets,
    secretsKey: secretsKey.key,
  });

  const workers = thread ?? startWorkers(deps, backend, config.deliveryConcurrency);
  const recoveries = new RecoveryRunner(deps);
  recoveries.start();
  // Only a queue beside the store can lose a message; where the store is the queue nothing is swept.
  let sweeper: NodeJS.Timeout | undefined;
  if (backend.messages) {
    const deadLetters = backend.deadLetters ?? [];
    const sweep = () =>
      sweepPending(deps)
        .then(() => redriveDeadLetters(deps, deadLetters))
        .catch((error) => logger.error({ err: error }, 'sweep failed; it runs again shortly'));
    void sweep();
    sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
    sweeper.unref();
  }

  // Where the store expires records itself (TTL on AWS) there is nothing to purge.
  const retention =
    backend.purgeable &&
    new RetentionRunner(deps, backend.purgeable, config.retentionDays, backend.purgeableDestinations);
  retention?.start();

  const callerOf = callerByApiKey(config.apiKeys);
  // The caller is found once per request, before its body is read (below), and handed to the API.
  const callers = new WeakMap<IncomingMessage, Caller>();
  const api = createHttpApi(deps, { identify: (c) => c.env.caller, metrics });
  const bodies = new WeakMap<IncomingMessage, HttpApiBindings['preReadBody']>();
  const handle = getRequestListener(
    (request, env) => {
      const { incoming, outgoing } = env as HttpBindings;
      return api.fetch(request, {
        incoming,
        outgoing,
        preReadBody: bodies.get(incoming),
        caller: callers.get(incoming),
      });
    },
    {
      hostname: config.host,
      // The body is consumed before hono sees the request, so there is nothing left for it to drain.
      autoCleanupIncoming: false,
      errorHandler: (error) => unreadableRequest(error, logger),
    },
  );
  // The console's static files, outside /v1: loading the page needs no API key, its API calls do.
  const consoleAssets = loadConsoleAssets(logger);
  const serve: RequestListener = fatal.counting((incoming, outgoing) => {
    if (consoleAssets.handle(incoming, outgoing)) return;
    // A request without a valid key gets its 401 (or the answer of a route that needs none) without its
    // body being buffered: a stranger cannot make the server hold request bodies in memory.
    const caller = callerOf(incoming.headers.authorization);
    if (caller === undefined) {
      discardBody(incoming, outgoing);
      void handle(incoming, outgoing);
      return;
    }
    callers.set(incoming, caller);
    readBody(incoming, LIMITS.requestBytes, (body) => {
      if (body !== undefined) bodies.set(incoming, body);
      // The API answers 413 without the rest of the body; the client may still be sending it.
      if (body === 'tooLarge') discardBody(incoming, outgoing);
      void handle(incoming, outgoing);
    });
  });
  // Without keys nothing but the Host header tells a page on this machine from its user (no DNS rebinding).
  const keyless = config.apiKeys.length === 0;
  const server = createLimitedServer(keyless ? answeringOnlyForBoundHost(serve, config.host) : serve, logger);
  fatal.serving(server);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(config.port, config.host);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const apiUrl = `${url}/v1`;
  const consoleUrl = `${url}${CONSOLE_PATH}`;
  logger.info(
    {
      url,
      api: apiUrl,
      console: consoleUrl,
      backend: config.backend,
      authentication: config.apiKeys.length > 0,
      signing: signing.secrets.configured,
    },
    `Herald is listening: the API at ${apiUrl}, the console at ${consoleUrl}`,
  );

  return {
    url,
    logger,
    activeDeliveries: () => workers.activeDeliveries,
    async stop() {
      clearInterval(sweeper);
      await closeServer(server);
      await recoveries.stop();
      await retention?.stop();
      try {
        await workers.stop();
      } finally {
        // Even after a delivery thread that failed: the file and its writer lock are released.
        await sender.close();
        signing.close();
        secretsKey.close();
        await backend.close();
      }
      logger.info({}, 'Herald stopped');
    },
  };
}

/**
 * A request @hono/node-server cannot make a URL of (a backslash in the path, a Host it cannot read)
 * is the caller's mistake, answered as one; anything else failing there is ours, logged.
 */
function unreadableRequest(error: unknown, logger: Logger): Response {
  if (!(error instanceof RequestError)) {
    logger.error({ err: error }, 'request not handled');
    return new Response(null, { status: 500 });
  }
  const problem = problemFor('MALFORMED_REQUEST', `The request cannot be read: ${error.message}`);
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
  });
}
