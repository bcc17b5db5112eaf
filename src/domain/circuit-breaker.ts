import type { DestinationRecord } from './destination.js';
import type { DeliveryResult } from './notification.js';

/**
 * The per-destination circuit breaker, as a pure state machine (no I/O, time passed in):
 *
 *   CLOSED --`failureThreshold` retryable failures in a row--> OPEN (cool-down)
 *   OPEN --cool-down over, a worker takes the probe--> HALF_OPEN (exactly one attempt in flight)
 *   HALF_OPEN --probe succeeds--> CLOSED      HALF_OPEN --probe fails--> OPEN (a longer cool-down)
 *
 * Each opening without a success in between doubles the cool-down, up to `maxCooldownMs`. While
 * OPEN or HALF_OPEN nothing else is sent: notifications wait without spending attempts.
 *
 * Each opening starts a new generation. Only the outcome of an attempt admitted under the breaker as it
 * is moves it: a slow vendor's late answers to requests sent before the opening would otherwise close
 * it again (a late 200) or count toward, extend or re-open it (a late 503), and the breaker would flap.
 */
export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

/** The longest cool-down, unless the configured one is longer: a dead vendor is probed every 10 minutes. */
export const MAX_COOLDOWN_MS = 600_000;

/**
 * What an attempt's outcome says about the destination. `success`: a 2xx, it is up and that is its
 * last success. `up`: it answered with a 4xx that blames the request, not the vendor (healthy, but no
 * success). `down`: TIMEOUT, NETWORK_ERROR, 5xx, 408, 425, under a timeout of at least
 * MIN_TIMEOUT_MS_OF_HEALTH. `neutral`: says nothing of its health (429 is rate limiting, handled by
 * Retry-After; a blocked target never left us; a failure under a shorter timeout).
 */
export type HealthSignal = 'success' | 'up' | 'down' | 'neutral';

/**
 * An attempt given less time than this may fail on a healthy vendor: its failure says nothing of the
 * vendor, or one caller could shut a vendor for every other caller with `timeoutMs: 10`.
 */
export const MIN_TIMEOUT_MS_OF_HEALTH = 1000;

/** `timeoutMs`: the attempt's own timeout, unknown when left out (its failure then counts). */
export function healthSignal(result: DeliveryResult, timeoutMs?: number): HealthSignal {
  switch (result.category) {
    case 'SUCCESS':
      return 'success';
    case 'CLIENT_ERROR':
      return 'up';
    case 'SERVER_ERROR':
    case 'TIMEOUT':
    case 'NETWORK_ERROR':
      return timeoutMs !== undefined && timeoutMs < MIN_TIMEOUT_MS_OF_HEALTH ? 'neutral' : 'down';
    case 'RATE_LIMITED':
    case 'BLOCKED_TARGET':
    case 'INTERRUPTED':
      return 'neutral';
  }
}

export function cooldownFor(openings: number, settings: BreakerSettings): number {
  const doubled = settings.cooldownMs * 2 ** Math.max(0, openings - 1);
  return Math.min(doubled, Math.max(settings.cooldownMs, settings.maxCooldownMs));
}

/** What an attempt was admitted under: the breaker's generation then, and whether it is the HALF_OPEN probe. */
export interface AdmittedUnder {
  generation: number;
  probe: boolean;
}

export function admittedUnder(record: DestinationRecord, probe: boolean): AdmittedUnder {
  return { generation: record.breakerGeneration, probe };
}

/** The record after an attempt admitted under `admitted`, with this outcome, finished at `now`. */
export function afterAttempt(
  record: DestinationRecord,
  signal: HealthSignal,
  now: Date,
  settings: BreakerSettings,
  admitted: AdmittedUnder,
): DestinationRecord {
  const at = now.toISOString();
  // Admitted before the latest opening, or sent beside the probe (a worker trusting an older copy of
  // the record): it tells of the vendor then, not now, and only when the vendor last answered is kept.
  const current = admitted.generation >= record.breakerGeneration && (admitted.probe || record.breaker === 'CLOSED');
  if (!current) {
    if (signal === 'success') return { ...record, lastSuccessAt: at };
    if (signal === 'down') return { ...record, lastFailureAt: at };
    return record;
  }
  if (signal === 'success' || signal === 'up') {
    return {
      ...record,
      breaker: 'CLOSED',
      consecutiveFailures: 0,
      openings: 0,
      openUntil: null,
      probeUntil: null,
      lastSuccessAt: signal === 'success' ? at : record.lastSuccessAt,
    };
  }
  if (signal === 'neutral') {
    // A probe that told nothing gives its turn back: the next worker probes again.
    return record.breaker === 'HALF_OPEN' ? { ...record, probeUntil: null } : record;
  }
  const failures = record.consecutiveFailures + 1;
  const opens =
    record.breaker === 'HALF_OPEN' || (record.breaker === 'CLOSED' && failures >= settings.failureThreshold);
  if (!opens) return { ...record, consecutiveFailures: failures, lastFailureAt: at };
  const openings = record.openings + 1;
  return {
    ...record,
    breaker: 'OPEN',
    consecutiveFailures: failures,
    openings,
    breakerGeneration: record.breakerGeneration + 1,
    openUntil: new Date(now.getTime() + cooldownFor(openings, settings)).toISOString(),
    probeUntil: null,
    lastFailureAt: at,
  };
}

/**
 * May an attempt go to this destination now? `send`: yes. `probe`: yes, as the one HALF_OPEN probe
 * (take it with `startProbe`). `wait`: no; look again at `until` (null: not before an operator acts).
 */
export type Admission =
  | { kind: 'send' }
  | { kind: 'probe' }
  | { kind: 'wait'; until: Date | null; reason: 'PAUSED' | 'OPEN' | 'HALF_OPEN' | 'RETRY_AFTER' };

export function admission(record: DestinationRecord, now: Date): Admission {
  if (record.paused) return { kind: 'wait', until: null, reason: 'PAUSED' };
  const t = now.getTime();
  if (record.retryAfterUntil !== null && Date.parse(record.retryAfterUntil) > t) {
    return { kind: 'wait', until: new Date(record.retryAfterUntil), reason: 'RETRY_AFTER' };
  }
  if (record.breaker === 'OPEN') {
    if (record.openUntil !== null && Date.parse(record.openUntil) > t) {
      return { kind: 'wait', until: new Date(record.openUntil), reason: 'OPEN' };
    }
    return { kind: 'probe' };
  }
  if (record.breaker === 'HALF_OPEN') {
    if (record.probeUntil !== null && Date.parse(record.probeUntil) > t) {
      return { kind: 'wait', until: new Date(record.probeUntil), reason: 'HALF_OPEN' };
    }
    return { kind: 'probe' };
  }
  return { kind: 'send' };
}

/** OPEN (cool-down over) or HALF_OPEN (probe lapsed) → HALF_OPEN with this worker's probe until `probeUntil`. */
export function startProbe(record: DestinationRecord, probeUntil: Date): DestinationRecord {
  return { ...record, breaker: 'HALF_OPEN', openUntil: null, probeUntil: probeUntil.toISOString() };
}

/** A 429 or 503 with `Retry-After` holds the whole destination until then (never shortened). */
export function holdUntil(record: DestinationRecord, until: Date): DestinationRecord {
  if (record.retryAfterUntil !== null && Date.parse(record.retryAfterUntil) >= until.getTime()) return record;
  return { ...record, retryAfterUntil: until.toISOString() };
}
