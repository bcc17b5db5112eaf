import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { burstFor, takeRateSlot } from '../../src/domain/rate-limit.js';

/** Sends as often as the limiter allows between 0 and `durationMs`, stepping time by 1 ms; returns send times. */
function sendGreedily(requestsPerSecond: number, durationMs: number): number[] {
  const sent: number[] = [];
  let tat = 0;
  for (let now = 0; now < durationMs; now++) {
    for (;;) {
      const slot = takeRateSlot(tat, now, requestsPerSecond);
      if (!slot.allowed) break;
      tat = slot.tat;
      sent.push(now);
    }
  }
  return sent;
}

describe('rate limit (GCRA)', () => {
  it('spreads requests to the rate: 5 per second is one every 200 ms', () => {
    expect(sendGreedily(5, 1000)).toEqual([0, 200, 400, 600, 800]);
  });

  it('tells a refused request when it may go', () => {
    const first = takeRateSlot(0, 1000, 2);
    expect(first).toEqual({ allowed: true, tat: 1500 });
    expect(takeRateSlot(1500, 1100, 2)).toEqual({ allowed: false, retryAt: 1500 });
  });

  it('allows a burst of a tenth of a second after an idle spell, and never more than rate × time + burst', () => {
    expect(burstFor(5)).toBe(1);
    expect(burstFor(100)).toBe(10);
    expect(sendGreedily(100, 1).length).toBe(10);
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 500, noNaN: true }), fc.integer({ min: 1, max: 3000 }), (rps, ms) => {
        const sent = sendGreedily(rps, ms).length;
        expect(sent).toBeLessThanOrEqual(Math.floor((rps * ms) / 1000) + burstFor(rps));
      }),
      { numRuns: 50 },
    );
  });
});
