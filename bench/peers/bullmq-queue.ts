/** What the BullMQ peer's ingest and worker processes share: the queue's name and its Redis. */
import type { ConnectionOptions, DefaultJobOptions } from 'bullmq';

export const QUEUE_NAME = 'notifications';

/** Herald's default delivery slots (HERALD_DELIVERY_CONCURRENCY). */
export const WORKER_CONCURRENCY = 64;

/**
 * Herald's default retry budget (HERALD_MAX_ATTEMPTS 8, HERALD_RETRY_BASE_DELAY_MS 1 s), as a team
 * would set it on its jobs. A delivered job is removed at once: the cheapest setting BullMQ has, and
 * the one a team would pick when the vendor's answer is all it needs.
 */
export const JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
};

/** The bench's redis-server for this run, on 127.0.0.1 at BENCH_REDIS_PORT. */
export function redisConnection(): ConnectionOptions {
  const port = Number(process.env.BENCH_REDIS_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_REDIS_PORT must name the Redis port');
  // ioredis's default retries a command 20 times; a BullMQ Worker must wait for Redis instead.
  return { host: '127.0.0.1', port, maxRetriesPerRequest: null };
}
