import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { UndiciHttpSender } from '../../adapters/http/undici-sender.js';
import type { AppDependencies } from '../../app/dependencies.js';
import { sweepPending } from '../../app/sweep-pending.js';
import type { HeraldConfig } from '../../config.js';
import { LIMITS } from '../../domain/request-schema.js';
import { systemClock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import { noMetrics } from '../../ports/metrics.js';
import { createHttpApi } from '../api/http-api.js';
import { openBackend } from './backend.js';
import { createPinoLogger } from './logger.js';
import { WorkerPool } from './worker-pool.js';

/**
 * A claim outlives the longest allowed attempt by this much before another worker may take over.
 * It is also the queue's visibility timeout, so a message and its claim lapse together.
 */
const LEASE_GRACE_MS = 30_000;
const SWEEP_INTERVAL_MS = 30_000;

export interface RunningHerald {
  url: string;
  logger: Logger;
  activeDeliveries(): number;
  /** Stops accepting, drains the deliveries in flight, closes the store. */
  stop(): Promise<void>;
}

export async function startHerald(
  config: HeraldConfig,
  logger: Logger = createPinoLogger(config.logLevel),
): Promise<RunningHerald> {
  const backend = await openBackend(config, logger);
  const sender = new UndiciHttpSender({ allowPrivateTargets: config.allowPrivateTargets });
  const deps: AppDependencies = {
    store: backend.store,
    queue: backend.queue,
    sender,
    clock: systemClock,
    random: Math.random,
    logger,
    metrics: noMetrics,
    defaults: { maxAttempts: config.maxAttempts, timeoutMs: config.attemptTimeoutMs },
    retryPolicy: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs },
    leaseMs: LIMITS.maxTimeoutMs + LEASE_GRACE_MS,
  };

  const workers = new WorkerPool(deps, backend.queue, { concurrency: config.deliveryConcurrency });
  workers.start();
  const sweep = () =>
    sweepPending(deps).catch((error) => logger.error({ err: error }, 'sweep failed; it runs again shortly'));
  void sweep();
  const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
  sweeper.unref();

  const api = createHttpApi(deps, { apiKeys: config.apiKeys });
  const server = serve({ fetch: api.fetch, hostname: config.host, port: config.port });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, backend: config.backend, authentication: config.apiKeys.length > 0 }, 'Herald is listening');

  return {
    url,
    logger,
    activeDeliveries: () => workers.activeDeliveries,
    async stop() {
      clearInterval(sweeper);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await workers.stop();
      await sender.close();
      await backend.close();
      logger.info({}, 'Herald stopped');
    },
  };
}
