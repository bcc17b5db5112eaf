/**
 * The BullMQ peer's worker process: a bullmq `Worker` with Herald's 64 delivery slots, each job
 * delivered with undici; a non-2xx answer or a network error fails the attempt, and BullMQ retries
 * it with the job's backoff. Sends `{ type: 'ready' }` over IPC once connected to Redis.
 */
import { Worker } from 'bullmq';
import { QUEUE_NAME, redisConnection, WORKER_CONCURRENCY } from './bullmq-queue.js';
import { deliver } from './deliver.js';
import type { PeerNotification } from './ingest-server.js';

const worker = new Worker<PeerNotification>(
  QUEUE_NAME,
  async (job) => {
    const status = await deliver(job.id as string, job.data);
    if (status < 200 || status >= 300) throw new Error(`the target answered ${status}`);
  },
  { connection: redisConnection(), concurrency: WORKER_CONCURRENCY },
);

await worker.waitUntilReady();
process.send?.({ type: 'ready' });

process.on('SIGTERM', () => {
  worker.close().finally(() => process.exit(0));
});
