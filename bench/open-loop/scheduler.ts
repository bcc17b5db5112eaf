/**
 * An open-loop load generator's schedule: request i is due at start + i × 1000 / rate ms and is
 * sent when due, whatever the earlier requests' fate; a closed loop (autocannon's) waits for an
 * answer before sending again, so a slow service slows the load down and hides its own queue.
 */

export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ScheduleOptions {
  count: number;
  ratePerSecond: number;
  /** Sends one request; resolves with its status once its answer is read. */
  send(): Promise<number>;
  /** The status that counts as accepted; any other counts as rejected. */
  acceptedStatus: number;
  clock?: Clock;
}

export interface ScheduleOutcome {
  accepted: number;
  rejected: number;
  errors: number;
  /** Per accepted request: answered − due, ms. From the due time, so a late send counts as waiting. */
  latenciesMs: number[];
  /** Per request: sent − due, ms: how far the generator itself fell behind its schedule. */
  sendLagsMs: number[];
  /** Clock time the first request was due; the i-th was due `i × 1000 / rate` ms later. */
  startedAt: number;
}

/** Sends `count` requests on schedule and resolves once every one is answered or has failed. */
export async function sendOnSchedule(options: ScheduleOptions): Promise<ScheduleOutcome> {
  const clock = options.clock ?? REAL_CLOCK;
  const intervalMs = 1000 / options.ratePerSecond;
  const outcome: ScheduleOutcome = {
    accepted: 0,
    rejected: 0,
    errors: 0,
    latenciesMs: [],
    sendLagsMs: [],
    startedAt: clock.now(),
  };
  const pending: Promise<void>[] = [];
  for (let i = 0; i < options.count; i++) {
    const dueAt = outcome.startedAt + i * intervalMs;
    const early = dueAt - clock.now();
    if (early > 0) await clock.sleep(early);
    outcome.sendLagsMs.push(clock.now() - dueAt);
    pending.push(
      options.send().then(
        (status) => {
          if (status !== options.acceptedStatus) {
            outcome.rejected++;
            return;
          }
          outcome.accepted++;
          outcome.latenciesMs.push(clock.now() - dueAt);
        },
        () => {
          outcome.errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  return outcome;
}
