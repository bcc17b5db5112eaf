import autocannon from 'autocannon';
import { cpuSeconds, type Service, type Sink, totalCpuSeconds, totalPeakRssMb } from './processes.js';
import { progress } from './progress.js';
import { percentile } from './stats.js';

export interface DeliveryRunOptions {
  /** The Herald under test. */
  serviceUrl: string;
  /** The service's processes: their CPU time adds up to the service's. */
  servicePids: readonly number[];
  sink: Sink;
  notifications: number;
  connections: number;
  /** The notification's `body`: its JSON encoding is what the sink receives. */
  payload: unknown;
  /** Notifications sent (and delivered) before measuring, so the JIT and pools are warm. */
  warmup: number;
  /** Give the notifications this many ordering keys, in turn (absent: none). */
  orderingKeys?: number;
  /** Give up waiting for deliveries after this long once ingest is over. */
  drainTimeoutMs: number;
  /** Called about once a second with the service's pid, for RSS sampling and the like. */
  onTick?: () => void;
}

export interface IngestResult {
  notifications: number;
  connections: number;
  accepted: number;
  rejected: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /**
   * connections ÷ requests per second: by Little's law the mean latency a closed loop that keeps
   * every connection busy must show at this throughput. A p99 close to it means requests wait alike.
   */
  littlesLawLatencyMs: number;
}

export interface EndToEndResult {
  delivered: number;
  /** Accepted notifications the sink never received before the drain timeout. */
  missing: number;
  /** 2xx deliveries of a notification the sink had already answered 2xx: at-least-once duplicates. */
  duplicates: number;
  /** First ingest request sent → the sink has every accepted notification. */
  seconds: number;
  deliveredPerSecond: number;
  /** Sink first receipt − the record's createdAt (both Date.now() on this machine). */
  lagP50Ms: number | null;
  lagP99Ms: number | null;
  lagMaxMs: number | null;
}

/** CPU used during the measured run (first ingest to last delivery), in cores: CPU seconds / wall seconds. */
export interface CpuShare {
  service: number | null;
  /** The service's CPU time per delivered notification, µs: its cost, whatever else runs on the machine. */
  serviceMicrosPerNotification: number | null;
  sink: number | null;
  loadGenerator: number;
}

export interface DeliveryRunResult {
  ingest: IngestResult;
  endToEnd: EndToEndResult;
  cpuCores: CpuShare;
}

/** POSTs `amount` notifications with autocannon; returns the accepted ids with their createdAt. */
async function ingest(options: DeliveryRunOptions, amount: number, tick: (accepted: number) => void) {
  const accepted = new Map<string, number>();
  let rejected = 0;
  const notification = { url: `${options.sink.url}/ok`, body: options.payload };
  const body = JSON.stringify(notification);
  const keys = options.orderingKeys;
  let sent = 0;
  // Ordered: each request takes the next key in turn, so the keys' lines fill alike.
  const withNextKey = <T extends object>(request: T) => ({
    ...request,
    body: JSON.stringify({ ...notification, orderingKey: `bench-key-${sent++ % (keys as number)}` }),
  });
  const started = performance.now();
  // autocannon resolves on its next one-second tick after the last response, so the run's length is
  // taken from the last response instead: whole seconds would quantize requests/s (20,000 in 7.x s
  // would read 2,857, in 6.x s 3,333).
  let lastResponseAt = started;
  const instance = autocannon({
    url: options.serviceUrl,
    connections: Math.min(options.connections, amount),
    amount,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/v1/notifications',
        headers: { 'content-type': 'application/json' },
        body,
        ...(keys === undefined ? {} : { setupRequest: withNextKey }),
        onResponse: (status, text) => {
          lastResponseAt = performance.now();
          if (status !== 202) {
            rejected++;
            return;
          }
          const record = JSON.parse(text) as { id: string; createdAt: string };
          accepted.set(record.id, Date.parse(record.createdAt));
        },
      },
    ],
  });
  const ticker = setInterval(() => tick(accepted.size), 1000);
  const result = await instance;
  clearInterval(ticker);
  const seconds = Math.max(0.001, (lastResponseAt - started) / 1000);
  return { accepted, rejected, result, seconds };
}

async function waitForDeliveries(
  options: DeliveryRunOptions,
  expected: number,
  timeoutMs: number,
  tick: (delivered: number) => void,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let lastTick = 0;
  for (;;) {
    const { unique } = await options.sink.stats();
    if (unique >= expected) return;
    if (performance.now() > deadline) return;
    if (performance.now() - lastTick > 1000) {
      lastTick = performance.now();
      tick(unique);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Ingest and end to end in one go: autocannon POSTs N notifications at `connections` concurrency
 * while the service delivers them to the sink; then waits until the sink has them all.
 */
export async function runDeliveries(options: DeliveryRunOptions): Promise<DeliveryRunResult> {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const n = options.notifications;
  if (options.warmup > 0) {
    progress(`warm-up: ${fmt(options.warmup)} notifications`);
    const warm = await ingest({ ...options }, options.warmup, () => options.onTick?.());
    await waitForDeliveries(options, warm.accepted.size, options.drainTimeoutMs, () => options.onTick?.());
    await options.sink.reset();
  }

  let sinkUnique = 0;
  const poller = setInterval(() => {
    options.sink.stats().then(
      (stats) => {
        sinkUnique = stats.unique;
      },
      () => {},
    );
  }, 1000);
  const cpuAtStart = {
    service: totalCpuSeconds(options.servicePids),
    sink: cpuSeconds(options.sink.pid),
    self: process.cpuUsage(),
  };
  const wallAtStart = performance.now();
  const startedAt = Date.now();
  const run = await ingest(options, n, (accepted) => {
    options.onTick?.();
    progress(`${fmt(accepted)}/${fmt(n)} accepted, ${fmt(sinkUnique)} delivered`);
  });
  clearInterval(poller);
  const { accepted, result } = run;
  await waitForDeliveries(options, accepted.size, options.drainTimeoutMs, (delivered) => {
    options.onTick?.();
    progress(`ingest done; ${fmt(delivered)}/${fmt(accepted.size)} delivered`);
  });

  const wall = (performance.now() - wallAtStart) / 1000;
  const share = (start: number | null, end: number | null) =>
    start === null || end === null ? null : (end - start) / wall;
  const self = process.cpuUsage(cpuAtStart.self);
  const serviceShare = share(cpuAtStart.service, totalCpuSeconds(options.servicePids));
  const cpuCores: CpuShare = {
    service: serviceShare,
    serviceMicrosPerNotification:
      serviceShare === null || accepted.size === 0 ? null : (serviceShare * wall * 1e6) / accepted.size,
    sink: share(cpuAtStart.sink, cpuSeconds(options.sink.pid)),
    loadGenerator: (self.user + self.system) / 1e6 / wall,
  };
  const [receipts, stats] = await Promise.all([options.sink.receipts(), options.sink.stats()]);
  const lags: number[] = [];
  let last = startedAt;
  let delivered = 0;
  for (const [id, createdAt] of accepted) {
    const receivedAt = receipts[id];
    if (receivedAt === undefined) continue;
    delivered++;
    lags.push(receivedAt - createdAt);
    if (receivedAt > last) last = receivedAt;
  }
  const seconds = Math.max(0.001, (last - startedAt) / 1000);
  await options.sink.reset();

  return {
    cpuCores,
    ingest: {
      notifications: n,
      connections: options.connections,
      accepted: accepted.size,
      rejected: run.rejected,
      errors: result.errors + result.timeouts,
      seconds: run.seconds,
      requestsPerSecond: accepted.size / run.seconds,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      latencyMaxMs: result.latency.max,
      littlesLawLatencyMs: (1000 * options.connections) / (accepted.size / run.seconds),
    },
    endToEnd: {
      delivered,
      missing: accepted.size - delivered,
      duplicates: stats.duplicateDeliveries,
      seconds,
      deliveredPerSecond: delivered / seconds,
      lagP50Ms: percentile(lags, 50),
      lagP99Ms: percentile(lags, 99),
      lagMaxMs: percentile(lags, 100),
    },
  };
}

/** The load a delivery run puts on a service, the same for every mode. */
export type DeliveryLoad = Pick<
  DeliveryRunOptions,
  'sink' | 'notifications' | 'connections' | 'warmup' | 'payload' | 'orderingKeys'
>;

export interface ServiceRunResult extends DeliveryRunResult {
  /** Peak resident set size of the service's processes over the whole run (VmHWM, summed), MB. */
  peakRssMb: number | null;
  /** Where `--cpu-prof` wrote the service's profile, when asked for. */
  cpuProfileDir?: string;
}

/** Runs the deliveries against a spawned service and stops it; the result carries its peak RSS. */
export async function measureService(
  service: Service,
  load: DeliveryLoad,
  drainTimeoutMs: number,
): Promise<ServiceRunResult> {
  try {
    const result = await runDeliveries({ ...load, serviceUrl: service.url, servicePids: service.pids, drainTimeoutMs });
    return { ...result, peakRssMb: totalPeakRssMb(service.pids) };
  } finally {
    await service.stop();
  }
}
