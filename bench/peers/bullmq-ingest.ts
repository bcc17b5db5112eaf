/**
 * The BullMQ peer's ingest process: Herald's API on node:http, each notification a `queue.add`,
 * answered 202 once Redis has the job (with AOF everysec, before the AOF is fsync'd).
 * Bundled and run by bench/peers/peers.ts beside bullmq-worker.ts and a redis-server.
 */
import { Queue } from 'bullmq';
import { JOB_OPTIONS, QUEUE_NAME, redisConnection } from './bullmq-queue.js';
import { type PeerNotification, serveIngest } from './ingest-server.js';

const queue = new Queue<PeerNotification>(QUEUE_NAME, {
  connection: redisConnection(),
  defaultJobOptions: JOB_OPTIONS,
});

serveIngest(async (notification) => {
  const job = await queue.add('deliver', notification);
  return job.id as string;
});

process.on('SIGTERM', () => {
  queue.close().finally(() => process.exit(0));
});
