/**
 * What a team would build instead of Herald, each started as a `Service` the bench measures like
 * Herald: the memory-only forwarder, and a BullMQ dispatcher (ingest process, worker process,
 * redis-server) with Redis durable (AOF everysec) or in memory only.
 */
import { createRequire } from 'node:module';
import { type Contender, type Measured, measureEach } from '../contenders.js';
import { type DeliveryLoad, measureService, type ServiceRunResult } from '../delivery-run.js';
import { type Service, spawnReadyProcess, spawnService } from '../processes.js';
import { peerBundle } from './build.js';
import { type RedisPersistence, startRedis } from './redis-server.js';

export const PEER_NAMES = ['forwarder', 'bullmq-durable', 'bullmq-memory'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export type PeerResult = Measured<ServiceRunResult>;

async function startForwarder(): Promise<Service> {
  return spawnService(await peerBundle('forwarder'), { env: {} });
}

/** bullmq 6 no longer depends on ioredis: it loads it when given connection options, if it can. */
function bullmqSkipReason(): string | undefined {
  try {
    const bullmq = createRequire(import.meta.url).resolve('bullmq');
    createRequire(bullmq).resolve('ioredis');
    return undefined;
  } catch {
    return 'bullmq 6 connects to Redis through its optional peer dependency ioredis, which is not installed';
  }
}

/** redis-server, then the worker, then ingest; stopped in the opposite order. */
async function startBullmq(persistence: RedisPersistence): Promise<Service> {
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const part of [...started].reverse()) await part.stop();
  };
  try {
    const redis = await startRedis(persistence);
    started.push(redis);
    const env = { BENCH_REDIS_PORT: String(redis.port) };
    const worker = await spawnReadyProcess([await peerBundle('bullmq-worker')], { env, graceMs: 30_000 });
    started.push(worker);
    const ingest = await spawnService(await peerBundle('bullmq-ingest'), { env });
    started.push(ingest);
    return {
      url: ingest.url,
      pids: [...ingest.pids, worker.pid, redis.pid],
      output: () => `ingest:\n${ingest.output()}\nworker:\n${worker.output()}`,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export const PEERS: Record<PeerName, Contender> = {
  forwarder: {
    name: 'forwarder',
    label: 'Memory-only forwarder (one process; no storage, no retries)',
    skipReason: () => undefined,
    start: startForwarder,
  },
  'bullmq-durable': {
    name: 'bullmq-durable',
    label: 'BullMQ + Redis, AOF fsync every second (ingest, worker, redis-server)',
    skipReason: bullmqSkipReason,
    start: () => startBullmq('aof-everysec'),
  },
  'bullmq-memory': {
    name: 'bullmq-memory',
    label: 'BullMQ + Redis in memory, no AOF or RDB (ingest, worker, redis-server)',
    skipReason: bullmqSkipReason,
    start: () => startBullmq('none'),
  },
};

/** The closed-loop delivery run of the single-process step, on each peer in turn. */
export function measurePeers(load: DeliveryLoad): Promise<PeerResult[]> {
  return measureEach(
    PEER_NAMES.map((name) => PEERS[name]),
    (service) => measureService(service, load, 120_000),
  );
}
