import { Pool } from 'undici';
import { percentile } from './stats.js';

export interface OpenLoopOptions {
  serviceUrl: string;
  /** The JSON request of one notification, sent as is every time. */
  body: string;
  ratePerSecond: number;
  /** Keeps sending until this says stop (checked at every tick) or `maxSeconds` have passed. */
  until?: () => boolean;
  maxSeconds: number;
  /** Called about once a second with the requests answered so far. */
  onSecond?: (answered: number) => void;
}

/** The requests of a run due in one window of it, and how they were answered. */
export interface WindowLatency {
  ratePerSecond: number;
  /** The window's start, in seconds from the start of the run, and its length. */
  fromSecond: number;
  seconds: number;
  sent: number;
  accepted: number;
  /** Answers other than 202. */
  rejected: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Each second of the window, the slowest answer to a request due in it (ms): where the stalls fell. */
  maxMsBySecond: number[];
}

/** One request: when it was due, in ms from the start of the run, and what became of it. */
interface Sample {
  dueMs: number;
  latencyMs: number;
  outcome: 'accepted' | 'rejected' | 'error';
}

export interface OpenLoopRun {
  ratePerSecond: number;
  /** performance.now() when the first request was due. */
  startedAt: number;
  seconds: number;
  samples: Sample[];
}

/** The requests of `run` due from `fromSecond` (of the run) until `toSecond`. */
export function windowLatency(run: OpenLoopRun, fromSecond = 0, toSecond = run.seconds): WindowLatency {
  const samples = run.samples.filter((s) => s.dueMs >= fromSecond * 1000 && s.dueMs < toSecond * 1000);
  const answered = samples.filter((s) => s.outcome !== 'error');
  const latencies = answered.map((s) => s.latencyMs);
  const bySecond: number[] = [];
  for (const s of answered) {
    const second = Math.floor(s.dueMs / 1000 - fromSecond);
    bySecond[second] = Math.max(bySecond[second] ?? 0, Math.round(s.latencyMs));
  }
  return {
    ratePerSecond: run.ratePerSecond,
    fromSecond,
    seconds: Math.max(0, toSecond - fromSecond),
    sent: samples.length,
    accepted: samples.filter((s) => s.outcome === 'accepted').length,
    rejected: samples.filter((s) => s.outcome === 'rejected').length,
    errors: samples.length - answered.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    maxMsBySecond: Array.from(bySecond, (ms) => ms ?? 0),
  };
}

/** Connections the generator may hold; a stalled service makes it open more, up to this. */
const CONNECTIONS = 64;
const TICK_MS = 5;

/**
 * An open-loop ingest load: POST /v1/notifications on a fixed schedule (`ratePerSecond`), whether
 * or not earlier requests have been answered, each latency timed from the moment its request was
 * due. A closed loop (autocannon's, N connections each waiting for its answer) sends less while the
 * service stalls and so hides the stall from its percentiles; this one keeps the arrivals a steady
 * stream of callers would, and a stall shows as every request due during it answered late.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopRun> {
  const pool = new Pool(options.serviceUrl, { connections: CONNECTIONS });
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const intervalMs = 1000 / options.ratePerSecond;
  const deadline = started + options.maxSeconds * 1000;
  let sent = 0;
  let lastSecond = 0;

  const send = (dueAt: number) => {
    const sample = (outcome: Sample['outcome']) => {
      samples.push({ dueMs: dueAt - started, latencyMs: performance.now() - dueAt, outcome });
    };
    const done = pool
      .request({
        path: '/v1/notifications',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: options.body,
      })
      .then(async (res) => {
        await res.body.dump();
        sample(res.statusCode === 202 ? 'accepted' : 'rejected');
      })
      .catch(() => sample('error'))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  try {
    for (;;) {
      const now = performance.now();
      if (now >= deadline || options.until?.() === true) break;
      // Every request due by now goes out, so a late timer does not lower the rate.
      while (started + sent * intervalMs <= now) send(started + sent++ * intervalMs);
      const second = Math.floor((now - started) / 1000);
      if (second > lastSecond) {
        lastSecond = second;
        options.onSecond?.(samples.length);
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(inFlight);
    return { ratePerSecond: options.ratePerSecond, startedAt: started, seconds, samples };
  } finally {
    await pool.close();
  }
}
