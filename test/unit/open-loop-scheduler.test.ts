import { describe, expect, it } from 'vitest';
import { type Clock, sendOnSchedule } from '../../bench/open-loop/scheduler.js';

/**
 * A fake clock whose every sleep overruns by `overrunMs`, as a busy event loop's timers do. Time
 * moves when the sleeper wakes (after a microtask turn), so answers already in hand are read first.
 */
function lateClock(overrunMs: number): Clock & { advance(ms: number): void } {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      await null;
      now += ms + overrunMs;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('sendOnSchedule', () => {
  it('counts latency from when a request was due, so a late send shows as waiting', async () => {
    const clock = lateClock(3);
    const outcome = await sendOnSchedule({
      count: 6,
      ratePerSecond: 1000,
      send: async () => 202,
      acceptedStatus: 202,
      clock,
    });
    // Due at 0..5 ms. The sleep before request 1 ends at 4 ms, so 1–4 go out together at 4 ms;
    // the sleep before request 5 (due at 5) ends at 8 ms. Each answers at once.
    expect(outcome.sendLagsMs).toEqual([0, 3, 2, 1, 0, 3]);
    expect(outcome.latenciesMs).toEqual([0, 3, 2, 1, 0, 3]);
  });

  it('sends every request on schedule while earlier ones are still unanswered', async () => {
    const clock = lateClock(0);
    const answers: ((status: number) => void)[] = [];
    const run = sendOnSchedule({
      count: 5,
      ratePerSecond: 100,
      send: () => new Promise<number>((resolve) => answers.push(resolve)),
      acceptedStatus: 202,
      clock,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toHaveLength(5);
    expect(clock.now()).toBe(40);

    clock.advance(60);
    for (const answer of answers) answer(202);
    const outcome = await run;
    // Due at 0, 10, 20, 30, 40 ms; all answered at 100 ms.
    expect(outcome.latenciesMs).toEqual([100, 90, 80, 70, 60]);
  });

  it('counts other statuses as rejected and failed sends as errors, leaving them out of the latencies', async () => {
    const results = [202, 503, 'error', 202] as const;
    let next = 0;
    const outcome = await sendOnSchedule({
      count: results.length,
      ratePerSecond: 1000,
      send: async () => {
        const result = results[next++];
        if (result === 'error') throw new Error('connection reset');
        return result ?? 0;
      },
      acceptedStatus: 202,
      clock: lateClock(0),
    });
    expect(outcome).toMatchObject({ accepted: 2, rejected: 1, errors: 1 });
    expect(outcome.latenciesMs).toHaveLength(2);
  });
});
