import { describe, expect, it } from 'vitest';
import {
  admission,
  afterAttempt,
  type BreakerSettings,
  cooldownFor,
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

function failTimes(record: DestinationRecord, times: number, startMs = 0): DestinationRecord {
  let current = record;
  for (let i = 0; i < times; i++) current = afterAttempt(current, 'down', at(startMs + i), SETTINGS);
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

    const three = afterAttempt(two, 'down', at(100), SETTINGS);
    expect(three).toMatchObject({ breaker: 'OPEN', consecutiveFailures: 3, openings: 1 });
    expect(three.openUntil).toBe(at(1100).toISOString());
    expect(admission(three, at(1099))).toEqual({ kind: 'wait', until: at(1100), reason: 'OPEN' });
  });

  it('resets the count on a success, so failures must come in a row', () => {
    const two = failTimes(newDestinationRecord('https://v.example'), 2);
    const up = afterAttempt(two, 'success', at(5), SETTINGS);
    expect(up).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 0, lastSuccessAt: at(5).toISOString() });
    expect(failTimes(up, 2, 10).breaker).toBe('CLOSED');
  });

  it('counts a vendor answering 4xx as up (the count resets) but not as its last success', () => {
    const two = failTimes(newDestinationRecord('https://v.example'), 2);
    const refused = afterAttempt(two, 'up', at(5), SETTINGS);
    expect(refused).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 0, lastSuccessAt: null });
    const succeeded = afterAttempt(refused, 'success', at(6), SETTINGS);
    expect(afterAttempt(succeeded, 'up', at(7), SETTINGS).lastSuccessAt).toBe(at(6).toISOString());
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

    expect(afterAttempt(probing, 'success', at(2000), SETTINGS)).toMatchObject({ breaker: 'CLOSED', openings: 0 });
    const reopened = afterAttempt(probing, 'down', at(2000), SETTINGS);
    expect(reopened).toMatchObject({ breaker: 'OPEN', openings: 2, openUntil: at(4000).toISOString() });
  });

  it('gives a probe that told nothing (429) back without closing or re-opening', () => {
    const probing = startProbe(failTimes(newDestinationRecord('https://v.example'), 3), at(60_000));
    const after = afterAttempt(probing, 'neutral', at(1500), SETTINGS);
    expect(after).toMatchObject({ breaker: 'HALF_OPEN', probeUntil: null });
    expect(admission(after, at(1500))).toEqual({ kind: 'probe' });
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
