import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type Service, type Sink, spawnService } from './processes.js';
import { progress } from './progress.js';

/** What one mode measured: the healthy vendor's notifications alone, then behind a dead vendor's backlog. */
export interface NoisyNeighbourResult {
  mode: string;
  healthyNotifications: number;
  deadBacklog: number;
  aloneSeconds: number;
  behindDeadSeconds: number;
  /** behindDeadSeconds ÷ aloneSeconds; the target is ≤ 2. */
  ratio: number;
}

export interface NoisyNeighbourOptions {
  sink: Sink;
  healthyNotifications: number;
  /** Notifications to the dead vendor queued first: at least 5 × HERALD_DELIVERY_CONCURRENCY. */
  deadBacklog: number;
}

/** A vendor that accepts connections and never answers: every attempt runs into the attempt timeout. */
async function startBlackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function sendAll(service: Service, url: string, count: number, connections = 16): Promise<void> {
  let next = 0;
  const body = JSON.stringify({ url, body: { event: 'bench' } });
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await request(`${service.url}/v1/notifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.dump();
      if (res.statusCode !== 202) throw new Error(`ingest answered ${res.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}

/** Seconds from the first healthy send until the sink has all `count` of them. */
async function timeHealthy(service: Service, sink: Sink, count: number, timeoutMs: number): Promise<number> {
  await sink.reset();
  const started = performance.now();
  await sendAll(service, `${sink.url}/hook`, count);
  await waitForSink(sink, count, timeoutMs);
  return (performance.now() - started) / 1000;
}

/** Notifications each phase delivers to the healthy vendor first, so both phases run warm code. */
const WARM_UP = 20;

async function warmUp(service: Service, sink: Sink, timeoutMs: number): Promise<void> {
  await sink.reset();
  await sendAll(service, `${sink.url}/warm-up`, WARM_UP);
  await waitForSink(sink, WARM_UP, timeoutMs);
}

async function waitForSink(sink: Sink, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await sink.stats()).unique < count) {
    if (Date.now() > deadline) throw new Error(`the healthy vendor got fewer than ${count} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The noisy neighbour, per mode, with Herald's defaults (10 s attempt timeout, 64 delivery
 * slots, the default per-destination cap and breaker): N notifications to a healthy vendor alone,
 * then — on a fresh service — the same N sent right after a backlog to a vendor that never answers.
 */
async function measureMode(
  mode: string,
  start: () => Promise<{ service: Service; cleanup(): void }>,
  options: NoisyNeighbourOptions,
): Promise<NoisyNeighbourResult> {
  const { sink, healthyNotifications: n, deadBacklog } = options;
  const timeoutMs = 120_000;
  let aloneSeconds: number;
  {
    const { service, cleanup } = await start();
    try {
      progress(`${mode}: ${n} healthy notifications alone`);
      await warmUp(service, sink, timeoutMs);
      aloneSeconds = await timeHealthy(service, sink, n, timeoutMs);
    } finally {
      await service.stop();
      cleanup();
    }
  }
  const dead = await startBlackHole();
  const { service, cleanup } = await start();
  try {
    progress(`${mode}: ${deadBacklog} to a dead vendor, then ${n} healthy`);
    await warmUp(service, sink, timeoutMs);
    await sendAll(service, `${dead.url}/hook`, deadBacklog);
    const behindDeadSeconds = await timeHealthy(service, sink, n, timeoutMs);
    return {
      mode,
      healthyNotifications: n,
      deadBacklog,
      aloneSeconds,
      behindDeadSeconds,
      ratio: behindDeadSeconds / aloneSeconds,
    };
  } finally {
    // The dead vendor's backlog is still waiting: SIGTERM drains, so stop without waiting for it.
    await Promise.race([service.stop(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    cleanup();
    await dead.close();
  }
}

export async function measureNoisyNeighbour(options: NoisyNeighbourOptions): Promise<NoisyNeighbourResult[]> {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const env = { HERALD_ALLOW_PRIVATE_TARGETS: 'true', HERALD_LOG_LEVEL: 'warn' };
  const single = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-bench-noisy-'));
    const service = await spawnService('dist/herald.mjs', { env: { ...env, HERALD_DB_PATH: join(dir, 'herald.db') } });
    return { service, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  };
  const awsLocal = async () => ({
    service: await spawnService('src/entrypoints/local/aws-local.ts', { env }),
    cleanup: () => {},
  });
  return [
    await measureMode('single process', single, options),
    await measureMode('aws-local', awsLocal, {
      ...options,
      healthyNotifications: Math.min(options.healthyNotifications, 100),
    }),
  ];
}
