import { describe, expect, it } from 'vitest';
import {
  admission,
  admittedUnder,
  afterAttempt,
  type BreakerSettings,
  cooldownFor,
  type HealthSignal,
  healthSignal,
  holdUntil,
  startProbe,
} from '../../src/domain/circuit-breaker.js';
import { type DestinationRecord, destinationState, newDestinationRecord } from '../../src/domain/destination.js';
import type { OutcomeCategory } from '../../src/domain/notification.js';
import { makeResult } from '../helpers/notifications.js';

const SETTINGS: BreakerSettings = { failureThreshold: 3, cooldownMs: 1000, maxCooldownMs: 5000 };
const T0 = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(T0 + ms);

/** An attempt's outcome, the attempt admitted under the record as it is now (the probe if HALF_OPEN). */
function outcome(record: DestinationRecord, signal: HealthSignal, now: Date): DestinationRecord {
  return afterAttempt(record, signal, now, SETTINGS, admittedUnder(record, record.breaker === 'HALF_OPEN'));
}

function failTimes(record: DestinationRecord, times: number, startMs = 0): DestinationRecord {
  let current = record;
  for (let i = 0; i < times; i++) current = outcome(current, 'down', at(startMs + i));
  return current;
}

describe('circuit breaker', () => {
  it('reads health from the outcome: a vendor that answers is up, even with a 4xx (only a 2xx is a success); 429 says nothing', () => {
    const signal = (category: OutcomeCategory) => healthSignal(makeResult({ category }));
    expect(signal('SUCCESS')).toBe('success');
    expect(signal('CLIENT_ERROR')).toBe('up');
    expect(signal('SERVER_ERROR')).toBe('down');
    expect(signal('TIMEOUT')).toBe('down');
    expect(signal('NETWORK_ERROR')).toBe('down');
    expect(signal('RATE_LIMITED')).toBe('neutral');
    expect(signal('BLOCKED_TARGET')).toBe('neutral');
  });

  it("reads nothing from a failure under a caller's own timeout below 1 s; a success still counts", () => {
    const signal = (category: OutcomeCategory, timeoutMs: number) => healthSignal(makeResult({ category }), timeoutMs);
    for (const category of ['TIMEOUT', 'SERVER_ERROR', 'NETWORK_ERROR'] as const) {
      expect(signal(category, 10)).toBe('neutral');
      expect(signal(category, 999)).toBe('neutral');
      expect(signal(category, 1000)).toBe('down');
      expect(signal(category, 10_000)).toBe('down');
    }
    expect(signal('SUCCESS', 10)).toBe('success');
    expect(signal('CLIENT_ERROR', 10)).toBe('up');
  });

  it('opens after the threshold of retryable failures in a row, and not before', () => {
    const two = failTimes(newDestinationRecord('https://v.example'), 2);
    expect(two).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 2 });
    expect(admission(two, at(10))).toEqual({ kind: 'send' });

    const three = outcome(two, 'down', at(100));
    expect(three).toMatchObject({ breaker: 'OPEN', consecutiveFailures: 3, openings: 1 });
    expect(three.openUntil).toBe(at(1100).toISOString());
    expect(admission(three, at(1099))).toEqual({ kind: 'wait', until: at(1100), reason: 'OPEN' });
  });

  it('resets the count on a success, so failures must come in a row', () => {
    const two = failTimes(newDestinationRecord('https://v.example'), 2);
    const up = outcome(two, 'success', at(5));
    expect(up).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 0, lastSuccessAt: at(5).toISOString() });
    expect(failTimes(up, 2, 10).breaker).toBe('CLOSED');
  });

  it('counts a vendor answering 4xx as up (the count resets) but not as its last success', () => {
    const two = failTimes(newDestinationRecord('https://v.example'), 2);
    const refused = outcome(two, 'up', at(5));
    expect(refused).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 0, lastSuccessAt: null });
    const succeeded = outcome(refused, 'success', at(6));
    expect(outcome(succeeded, 'up', at(7)).lastSuccessAt).toBe(at(6).toISOString());
  });

  it('lets exactly one probe through after the cool-down: success closes, failure re-opens for longer', () => {
    const open = failTimes(newDestinationRecord('https://v.example'), 3);
    const coolDownOver = at(1002 + 1);
    expect(admission(open, coolDownOver)).toEqual({ kind: 'probe' });

    const probing = startProbe(open, at(60_000));
    expect(destinationState(probing)).toBe('HALF_OPEN');
    expect(admission(probing, coolDownOver)).toEqual({ kind: 'wait', until: at(60_000), reason: 'HALF_OPEN' });
    // A probe whose worker died: once its lease lapses, another may probe.
    expect(admission(probing, at(60_001))).toEqual({ kind: 'probe' });

    expect(outcome(probing, 'success', at(2000))).toMatchObject({ breaker: 'CLOSED', openings: 0 });
    const reopened = outcome(probing, 'down', at(2000));
    expect(reopened).toMatchObject({ breaker: 'OPEN', openings: 2, openUntil: at(4000).toISOString() });
  });

  it('gives a probe that told nothing (429) back without closing or re-opening', () => {
    const probing = startProbe(failTimes(newDestinationRecord('https://v.example'), 3), at(60_000));
    const after = outcome(probing, 'neutral', at(1500));
    expect(after).toMatchObject({ breaker: 'HALF_OPEN', probeUntil: null });
    expect(admission(after, at(1500))).toEqual({ kind: 'probe' });
  });

  it('moves to a new generation at each opening, and nowhere else', () => {
    const closed = newDestinationRecord('https://v.example');
    expect(closed.breakerGeneration).toBe(0);
    const open = failTimes(closed, 3);
    expect(open.breakerGeneration).toBe(1);
    const probing = startProbe(open, at(60_000));
    expect(probing.breakerGeneration).toBe(1);
    expect(outcome(probing, 'down', at(2000)).breakerGeneration).toBe(2);
    expect(outcome(probing, 'success', at(2000)).breakerGeneration).toBe(1);
  });

  it('does not close an open breaker on a late success of an attempt admitted before it opened, only records it', () => {
    const closed = newDestinationRecord('https://v.example');
    const sentBefore = admittedUnder(closed, false);
    const open = failTimes(closed, 3);
    const late = afterAttempt(open, 'success', at(500), SETTINGS, sentBefore);
    expect(late).toEqual({ ...open, lastSuccessAt: at(500).toISOString() });
    expect(admission(late, at(600))).toEqual({ kind: 'wait', until: at(1002), reason: 'OPEN' });
    // Nor while its probe is out, nor once a probe closed it and failures count again.
    const probing = startProbe(open, at(60_000));
    expect(afterAttempt(probing, 'success', at(1500), SETTINGS, sentBefore)).toMatchObject({
      breaker: 'HALF_OPEN',
      probeUntil: probing.probeUntil,
    });
    expect(afterAttempt(probing, 'up', at(1500), SETTINGS, sentBefore)).toMatchObject({ breaker: 'HALF_OPEN' });
  });

  it('neither re-opens nor extends nor counts toward opening on a late failure of an attempt admitted before the opening', () => {
    const closed = newDestinationRecord('https://v.example');
    const sentBefore = admittedUnder(closed, false);
    const open = failTimes(closed, 3);
    const late = afterAttempt(open, 'down', at(900), SETTINGS, sentBefore);
    expect(late).toEqual({ ...open, lastFailureAt: at(900).toISOString() });
    const probing = startProbe(open, at(60_000));
    // A late failure neither takes the probe's place nor gives its turn back.
    expect(afterAttempt(probing, 'down', at(1500), SETTINGS, sentBefore)).toMatchObject({
      breaker: 'HALF_OPEN',
      openings: 1,
      probeUntil: probing.probeUntil,
    });
    expect(afterAttempt(probing, 'neutral', at(1500), SETTINGS, sentBefore)).toBe(probing);
    // Closed again by its probe: the failures of before the opening do not count toward the next one.
    const reclosed = outcome(probing, 'success', at(2000));
    const afterLate = [1, 2, 3].reduce(
      (record, i) => afterAttempt(record, 'down', at(2000 + i), SETTINGS, sentBefore),
      reclosed,
    );
    expect(afterLate).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 0 });
  });

  it('lets only the probe close or re-open a breaker that is not CLOSED', () => {
    const open = failTimes(newDestinationRecord('https://v.example'), 3);
    const probing = startProbe(open, at(60_000));
    const notProbe = admittedUnder(probing, false);
    expect(afterAttempt(probing, 'success', at(1500), SETTINGS, notProbe)).toMatchObject({ breaker: 'HALF_OPEN' });
    expect(afterAttempt(probing, 'down', at(1500), SETTINGS, notProbe)).toMatchObject({
      breaker: 'HALF_OPEN',
      openings: 1,
    });
    expect(afterAttempt(probing, 'success', at(1500), SETTINGS, admittedUnder(probing, true))).toMatchObject({
      breaker: 'CLOSED',
    });
  });

  it('doubles the cool-down on each opening in a row, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => cooldownFor(n, SETTINGS))).toEqual([1000, 2000, 4000, 5000, 5000]);
    // A configured cool-down longer than the cap is kept as is.
    expect(cooldownFor(3, { ...SETTINGS, cooldownMs: 9000 })).toBe(9000);
  });

  it('holds the destination for Retry-After, never shortening a longer hold', () => {
    const record = newDestinationRecord('https://v.example');
    const held = holdUntil(record, at(5000));
    expect(admission(held, at(4999))).toEqual({ kind: 'wait', until: at(5000), reason: 'RETRY_AFTER' });
    expect(admission(held, at(5000))).toEqual({ kind: 'send' });
    expect(holdUntil(held, at(3000))).toBe(held);
  });

  it('holds a paused destination whatever its breaker says, until an operator resumes it', () => {
    const paused = { ...newDestinationRecord('https://v.example'), paused: true };
    expect(destinationState(paused)).toBe('PAUSED');
    expect(admission(paused, at(0))).toEqual({ kind: 'wait', until: null, reason: 'PAUSED' });
  });
});
