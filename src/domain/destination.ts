/**
 * A destination is where a notification goes: its URL's origin — scheme, lower-cased host and port
 * (`https://api.vendor.com`, `http://127.0.0.1:8080`). Herald isolates, throttles and pauses deliveries
 * per destination, and keeps one record of each destination's health.
 */

/** The origin of an http(s) URL, as the WHATWG URL parser normalizes it (default ports dropped). */
export function destinationOf(url: string): string {
  return new URL(url).origin;
}

/** The destination an operator typed (an origin, maybe with a trailing slash); undefined if it is none. */
export function parseDestination(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const isOrigin =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    !text.endsWith('?') &&
    !text.endsWith('#');
  return isOrigin ? url.origin : undefined;
}

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';
/** What the API shows: the breaker's state, or PAUSED while an operator holds the destination. */
export type DestinationState = BreakerState | 'PAUSED';

/** Everything Herald keeps about one destination; every change is a new record (see circuit-breaker.ts). */
export interface DestinationRecord {
  destination: string;
  breaker: BreakerState;
  paused: boolean;
  /** Retryable failures in a row since the last success. */
  consecutiveFailures: number;
  /** Openings in a row without a success in between: each cool-down is longer than the last. */
  openings: number;
  /**
   * Counts every opening, never reset: an attempt remembers the generation it was admitted under, and
   * the outcome of one admitted before the latest opening does not move the breaker (circuit-breaker.ts).
   */
  breakerGeneration: number;
  /** While OPEN: when a probe may go. */
  openUntil: string | null;
  /** While HALF_OPEN: the probe's lease; another probe may go once it has passed (its worker died). */
  probeUntil: string | null;
  /** A `Retry-After` the destination sent: nothing is sent to it before then. */
  retryAfterUntil: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** Operator override of HERALD_DESTINATION_CONCURRENCY; null: the default. */
  maxConcurrency: number | null;
  /** Operator rate limit; null: none. */
  requestsPerSecond: number | null;
  /** The rate limiter's theoretical arrival time (epoch ms, rate-limit.ts); 0 when never limited. */
  rateTat: number;
  /** Incremented by every write: stores write a record only over the version it was read at. */
  version: number;
}

/**
 * Whether an operator set something on the destination (a pause, a cap, a rate limit): such a record
 * is kept for good. Any other record expires once idle (docs/operations.md, "Bounded memory and work"):
 * it holds only what the next deliveries would learn again.
 */
export function hasOperatorSettings(record: DestinationRecord): boolean {
  return record.paused || record.maxConcurrency !== null || record.requestsPerSecond !== null;
}

export function newDestinationRecord(destination: string): DestinationRecord {
  return {
    destination,
    breaker: 'CLOSED',
    paused: false,
    consecutiveFailures: 0,
    openings: 0,
    breakerGeneration: 0,
    openUntil: null,
    probeUntil: null,
    retryAfterUntil: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    maxConcurrency: null,
    requestsPerSecond: null,
    rateTat: 0,
    version: 0,
  };
}

/**
 * A record as a store kept it (JSON): a field added since it was written takes its new record's value
 * (a record from before breaker generations is at generation 0).
 */
export function destinationRecordFromJson(json: string): DestinationRecord {
  const stored = JSON.parse(json) as DestinationRecord;
  return { ...newDestinationRecord(stored.destination), ...stored };
}

export function destinationState(record: DestinationRecord): DestinationState {
  return record.paused ? 'PAUSED' : record.breaker;
}
