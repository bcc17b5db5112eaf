import { Pool } from 'undici';
import { type ScheduledRequest, sendOnSchedule } from './open-loop/scheduler.js';
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

export interface OpenLoopRun {
  ratePerSecond: number;
  /** performance.now() when the first request was due. */
  startedAt: number;
  seconds: number;
  samples: ScheduledRequest[];
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

/**
 * An open-loop ingest load (bench/open-loop/scheduler.ts): POST /v1/notifications on a fixed
 * schedule (`ratePerSecond`), whether or not earlier requests have been answered, each latency timed
 * from the moment its request was due, until `until` says stop or `maxSeconds` have passed. A stall
 * shows as every request due during it answered late.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopRun> {
  const pool = new Pool(options.serviceUrl, { connections: CONNECTIONS });
  let settled = 0;
  const ticker = setInterval(() => options.onSecond?.(settled), 1000);
  try {
    const outcome = await sendOnSchedule({
      count: Math.ceil(options.ratePerSecond * options.maxSeconds),
      ratePerSecond: options.ratePerSecond,
      acceptedStatus: 202,
      ...(options.until ? { until: options.until } : {}),
      onSettled: () => {
        settled++;
      },
      send: async () => {
        const res = await pool.request({
          path: '/v1/notifications',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: options.body,
        });
        await res.body.dump();
        return res.statusCode;
      },
    });
    const last = outcome.requests.at(-1);
    return {
      ratePerSecond: options.ratePerSecond,
      startedAt: outcome.startedAt,
      seconds: last === undefined ? 0 : (last.dueMs + 1000 / options.ratePerSecond) / 1000,
      samples: outcome.requests,
    };
  } finally {
    clearInterval(ticker);
    await pool.close();
  }
}
