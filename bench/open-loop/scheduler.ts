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
  /** Requests to send; fewer if `until` says stop first. */
  count: number;
  /** Checked before each send: true stops the schedule there (the requests sent are still awaited). */
  until?: () => boolean;
  /** Called as each request is answered or fails, e.g. for progress. */
  onSettled?: () => void;
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
  /** Every request sent, in the order sent: when it was due (ms after `startedAt`), and its fate. */
  requests: ScheduledRequest[];
}

export interface ScheduledRequest {
  dueMs: number;
  /** Answered (or failed) − due, ms. */
  latencyMs: number;
  outcome: 'accepted' | 'rejected' | 'error';
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
    requests: [],
  };
  const pending: Promise<void>[] = [];
  for (let i = 0; i < options.count; i++) {
    const dueAt = outcome.startedAt + i * intervalMs;
    const early = dueAt - clock.now();
    if (early > 0) await clock.sleep(early);
    if (options.until?.() === true) break;
    outcome.sendLagsMs.push(clock.now() - dueAt);
    const request: ScheduledRequest = { dueMs: dueAt - outcome.startedAt, latencyMs: 0, outcome: 'error' };
    outcome.requests.push(request);
    const settle = (fate: ScheduledRequest['outcome']) => {
      request.outcome = fate;
      request.latencyMs = clock.now() - dueAt;
      options.onSettled?.();
    };
    pending.push(
      options.send().then(
        (status) => {
          if (status !== options.acceptedStatus) {
            outcome.rejected++;
            settle('rejected');
            return;
          }
          outcome.accepted++;
          outcome.latenciesMs.push(clock.now() - dueAt);
          settle('accepted');
        },
        () => {
          outcome.errors++;
          settle('error');
        },
      ),
    );
  }
  await Promise.all(pending);
  return outcome;
}
