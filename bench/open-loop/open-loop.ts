import { Pool } from 'undici';
import { type Service, type Sink, totalCpuSeconds, totalPeakRssMb } from '../processes.js';
import { progress } from '../progress.js';
import { percentile } from '../stats.js';
import { type ScheduleOutcome, sendOnSchedule } from './scheduler.js';

export interface OpenLoopLoad {
  sink: Sink;
  ratePerSecond: number;
  durationSeconds: number;
  /** Seconds offered at the same rate first, so the JIT and pools are warm; not measured. */
  warmupSeconds: number;
  /** The notification's `body`. */
  payload: unknown;
}

export interface OpenLoopResult {
  ratePerSecond: number;
  durationSeconds: number;
  sent: number;
  accepted: number;
  rejected: number;
  errors: number;
  /** Due → 202 read, over accepted requests. */
  ingestP50Ms: number | null;
  ingestP99Ms: number | null;
  ingestMaxMs: number | null;
  /** Sent − due: the load generator's own lateness, which the ingest latencies include. */
  sendLagP99Ms: number | null;
  sendLagMaxMs: number | null;
  delivered: number;
  /** Accepted notifications the sink had not received when the drain timed out. */
  missing: number;
  /** The last request's due time → the sink's last first receipt; null when some never arrived. */
  drainSeconds: number | null;
  /** The service's CPU time from the first request due to the last delivery ÷ that wall time. */
  serviceCpuPercentOfOneCore: number | null;
  /** Over the whole life of the service, warm-up included (VmHWM, summed over its processes). */
  peakRssMb: number | null;
}

/**
 * Connections the clients may hold at once: half of Herald's server limit (512), so a slow answer
 * shows as latency, not as refused connections. A request beyond them waits in the pool, its
 * latency still counted from its due time.
 */
const MAX_CONNECTIONS = 256;

async function offer(pool: Pool, load: OpenLoopLoad, seconds: number): Promise<ScheduleOutcome> {
  const body = JSON.stringify({ url: `${load.sink.url}/ok`, body: load.payload });
  return sendOnSchedule({
    count: Math.round(load.ratePerSecond * seconds),
    ratePerSecond: load.ratePerSecond,
    acceptedStatus: 202,
    send: async () => {
      const res = await pool.request({
        method: 'POST',
        path: '/v1/notifications',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.dump();
      return res.statusCode;
    },
  });
}

async function waitForSink(sink: Sink, expected: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { unique } = await sink.stats();
    if (unique >= expected || performance.now() > deadline) return unique;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Offers `ratePerSecond` notifications for `durationSeconds` on schedule while the service delivers
 * them to the sink, then waits for the sink to have every accepted one; stops the service.
 */
export async function measureOpenLoop(
  service: Service,
  load: OpenLoopLoad,
  drainTimeoutMs = 60_000,
): Promise<OpenLoopResult> {
  const pool = new Pool(service.url, { connections: MAX_CONNECTIONS });
  try {
    progress(`warm-up: ${load.warmupSeconds} s at ${load.ratePerSecond}/s`);
    const warm = await offer(pool, load, load.warmupSeconds);
    await waitForSink(load.sink, warm.accepted, drainTimeoutMs);
    await load.sink.reset();

    progress(`${load.ratePerSecond}/s for ${load.durationSeconds} s`);
    const cpuAtStart = totalCpuSeconds(service.pids);
    const wallAtStart = performance.now();
    const dateAtStart = Date.now();
    const outcome = await offer(pool, load, load.durationSeconds);
    progress(`all answered; waiting for ${outcome.accepted} deliveries`);
    const delivered = await waitForSink(load.sink, outcome.accepted, drainTimeoutMs);
    const cpuAtEnd = totalCpuSeconds(service.pids);
    const wall = (performance.now() - wallAtStart) / 1000;
    const { lastFirstReceiptAt } = await load.sink.stats();
    await load.sink.reset();

    const sent = outcome.sendLagsMs.length;
    // The schedule's time origin, moved from the monotonic clock to Date.now(), which the sink uses.
    const lastDueAt = dateAtStart + (outcome.startedAt - wallAtStart) + ((sent - 1) * 1000) / load.ratePerSecond;
    const drained = delivered >= outcome.accepted && lastFirstReceiptAt !== null;
    return {
      ratePerSecond: load.ratePerSecond,
      durationSeconds: load.durationSeconds,
      sent,
      accepted: outcome.accepted,
      rejected: outcome.rejected,
      errors: outcome.errors,
      ingestP50Ms: percentile(outcome.latenciesMs, 50),
      ingestP99Ms: percentile(outcome.latenciesMs, 99),
      ingestMaxMs: percentile(outcome.latenciesMs, 100),
      sendLagP99Ms: percentile(outcome.sendLagsMs, 99),
      sendLagMaxMs: percentile(outcome.sendLagsMs, 100),
      delivered: Math.min(delivered, outcome.accepted),
      missing: Math.max(0, outcome.accepted - delivered),
      drainSeconds: drained ? Math.max(0, lastFirstReceiptAt - lastDueAt) / 1000 : null,
      serviceCpuPercentOfOneCore:
        cpuAtStart === null || cpuAtEnd === null ? null : (100 * (cpuAtEnd - cpuAtStart)) / wall,
      peakRssMb: totalPeakRssMb(service.pids),
    };
  } finally {
    await pool.close();
    await service.stop();
  }
}
