import {
  type Admission,
  type AdmittedUnder,
  admission,
  admittedUnder,
  afterAttempt,
  type BreakerSettings,
  healthSignal,
  holdUntil,
  startProbe,
} from '../domain/circuit-breaker.js';
import { type DestinationRecord, destinationState, newDestinationRecord } from '../domain/destination.js';
import type { DeliveryResult } from '../domain/notification.js';
import { takeRateSlot } from '../domain/rate-limit.js';
import type { Clock } from '../ports/clock.js';
import type { DestinationStore } from '../ports/destination-store.js';
import type { Logger } from '../ports/logger.js';

export interface DestinationSettings {
  /** Deliveries in flight per destination in this process, unless the destination overrides it. */
  concurrency: number;
  breaker: BreakerSettings;
  /** HERALD_RETRY_MAX_DELAY_MS: a destination's `Retry-After` hold is capped by it too. */
  retryMaxDelayMs: number;
  /**
   * How long a record read from the store is trusted before it is read again. The single process's
   * delivery thread trusts its copy (Infinity): the main thread hands it every record it stores, and
   * reads its own afresh (0). Lambda containers share the table and read every few seconds.
   */
  cacheMs: number;
  /** How long a HALF_OPEN probe is held before another worker may probe (its worker may have died). */
  probeLeaseMs: number;
  /** Destinations whose state this gate keeps at most, unless busy (DEFAULT_MAX_TRACKED_DESTINATIONS). */
  maxTrackedDestinations?: number;
}

export type WaitReason = Extract<Admission, { kind: 'wait' }>['reason'] | 'SATURATED' | 'RATE_LIMITED';

/** One delivery's right to send to a destination; `finish` or `cancel` it exactly once. */
export interface DeliveryTicket {
  readonly destination: string;
  /**
   * Reports the attempt's outcome: frees the slot and moves the breaker, unless the breaker opened
   * since the ticket was issued or is not CLOSED and this is not its probe (afterAttempt). `timeoutMs` is the attempt's (a failure under a short one does
   * not count: healthSignal). Never throws.
   */
  finish(result: DeliveryResult, retryAfterMs: number | null, timeoutMs?: number): Promise<void>;
  /** Gives the slot back unused (nothing was sent). */
  cancel(): void;
}

export type Acquired =
  | { kind: 'go'; tickets: DeliveryTicket[] }
  | { kind: 'wait'; until: Date | null; reason: WaitReason };

/** A rate-limited or saturated destination is looked at again no sooner than this. */
const SHORT_WAIT_MS = 1000;
/** A saturated destination is looked at again no later than this. */
const MAX_SATURATED_WAIT_MS = 30_000;
/** `lastSuccessAt` is rewritten at most this often: a success alone is no change of state. */
const LAST_SUCCESS_REFRESH_MS = 60_000;
/** Conditional writes that lost a race are decided again on a fresh read, this many times at most. */
const MAX_WRITE_ROUNDS = 5;
/**
 * Destinations whose state a gate keeps when idle, most recently used first: about 1 KB each. A
 * process sending to more destinations than this reads a dropped one's record again when it
 * returns to it (one read), instead of keeping every origin it ever sent to.
 */
export const DEFAULT_MAX_TRACKED_DESTINATIONS = 10_000;

interface Cached {
  record: DestinationRecord;
  readAt: number;
}

/**
 * Decides, per destination, whether a delivery may start now — the concurrency cap, pause, the
 * circuit breaker, `Retry-After` and the rate limit — and records what each attempt's outcome says
 * about the destination. Both modes call it: the single process before it claims notifications of a
 * destination, a queue-fed worker before it attempts the notification a message names.
 *
 * The store holds the records; this keeps a short-lived copy and writes only on a change of state
 * (an opening, a probe, a failure in a row, a hold, a rate slot, an operator's change), so the
 * healthy path costs no write. In-flight counts are this process's own.
 */
export class DestinationGate {
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Map<string, number>();
  /** Retry-After holds this process has seen, in force before (and whatever becomes of) their write. */
  readonly #localHolds = new Map<string, number>();
  /** Outcomes waiting for the destination's write under way (#coalesced), and that write. */
  readonly #waitingChanges = new Map<string, ((record: DestinationRecord) => DestinationRecord)[]>();
  readonly #writing = new Map<string, Promise<void>>();
  /** When each of a destination's tickets was issued: how long its slots have been taken. */
  readonly #issuedAt = new Map<string, Set<{ at: number }>>();
  readonly #known = new Set<string>();
  /** Store calls under way per destination: the answer of one must not land on state dropped meanwhile. */
  readonly #storeCalls = new Map<string, number>();
  readonly #maxTracked: number;

  constructor(
    private readonly store: DestinationStore,
    private readonly settings: DestinationSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#maxTracked = settings.maxTrackedDestinations ?? DEFAULT_MAX_TRACKED_DESTINATIONS;
  }

  /** Makes sure the destination has a record, so operators see it from its first notification. */
  async remember(destination: string): Promise<void> {
    if (this.#known.has(destination)) return;
    const cached = this.#cache.get(destination);
    if (cached && cached.record.version > 0) {
      this.#known.add(destination);
      return;
    }
    const stored = await this.#storeCall(
      destination,
      async () => (await this.store.put(newDestinationRecord(destination), 0)) ?? (await this.store.get(destination)),
    );
    if (stored) this.#remember(stored);
  }

  /** How many destinations this gate holds any state for (bounded: see #evictIdle). */
  trackedDestinations(): number {
    const maps = [
      this.#cache,
      this.#inFlight,
      this.#localHolds,
      this.#waitingChanges,
      this.#writing,
      this.#issuedAt,
      this.#storeCalls,
    ];
    return new Set([...maps.flatMap((map) => [...map.keys()]), ...this.#known]).size;
  }

  inFlight(destination: string): number {
    return this.#inFlight.get(destination) ?? 0;
  }

  /** The in-flight cap in force for a destination: its override, else the default. */
  capOf(record: DestinationRecord): number {
    return record.maxConcurrency ?? this.settings.concurrency;
  }

  list(limit: number, cursor?: string) {
    return this.store.list(limit, cursor);
  }

  load(destination: string) {
    return this.store.load(destination);
  }

  /** Up to `wanted` tickets for deliveries to `destination`, or why none may start now and until when. */
  async acquire(destination: string, wanted: number): Promise<Acquired> {
    // Slots are reserved before any await, so concurrent callers cannot overrun the cap.
    const cached = this.#cache.get(destination)?.record;
    const cap = cached ? this.capOf(cached) : this.settings.concurrency;
    const reserved = Math.min(wanted, cap - this.inFlight(destination));
    if (reserved <= 0) return this.#wait(this.#saturatedWaitMs(destination), 'SATURATED');
    this.#addInFlight(destination, reserved);
    let granted = 0;
    try {
      const decision = await this.#admit(destination, reserved);
      if (decision.kind === 'wait') return decision;
      granted = decision.granted;
      return {
        kind: 'go',
        tickets: Array.from({ length: granted }, () => this.#ticket(destination, decision.admitted)),
      };
    } finally {
      this.#addInFlight(destination, granted - reserved);
    }
  }

  /** When notifications of this destination may next be attempted, if it holds them; from the cached record. */
  async heldUntil(destination: string): Promise<Date | null> {
    const decision = this.#admission(await this.#read(destination), this.clock.now());
    return decision.kind === 'wait' ? decision.until : null;
  }

  /**
   * Applies an operator's change on a fresh read (`change` returns the new record). Returns the
   * record as stored, or undefined for a destination never seen unless `create` (then the change
   * applies to a new record, stored as the destination's first).
   */
  async change(
    destination: string,
    change: (record: DestinationRecord) => DestinationRecord,
    reason: string,
    create = false,
  ): Promise<DestinationRecord | undefined> {
    const stored = await this.#storeCall(destination, () => this.store.get(destination));
    const current = stored ?? (create ? newDestinationRecord(destination) : undefined);
    if (!current) return undefined;
    return this.#update(destination, change, reason, current);
  }

  /**
   * Takes a record another writer of this process's file stored (the main thread's change, told to
   * the delivery thread): it replaces this copy unless the copy is newer, and a write of this gate
   * that settles later with an older version does not bring the old one back.
   */
  adopt(record: DestinationRecord): void {
    this.#remember(record);
  }

  /** The stored record, read through to the store (for the API). */
  async read(destination: string): Promise<DestinationRecord | undefined> {
    const stored = await this.#storeCall(destination, () => this.store.get(destination));
    if (stored) this.#remember(stored);
    return stored;
  }

  async #admit(
    destination: string,
    wanted: number,
  ): Promise<{ kind: 'go'; granted: number; admitted: AdmittedUnder } | Extract<Acquired, { kind: 'wait' }>> {
    let record = await this.#read(destination);
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const now = this.clock.now();
      const decision = this.#admission(record, now);
      if (decision.kind === 'wait') return decision;
      const probe = decision.kind === 'probe';
      // The cap in force is the record's: acquire reserved by a cached copy, or the default without one.
      const room = this.capOf(record) - (this.inFlight(destination) - wanted);
      if (room <= 0) return this.#wait(this.#saturatedWaitMs(destination), 'SATURATED');
      let granted = probe ? 1 : Math.min(wanted, room);
      let next = probe ? startProbe(record, new Date(now.getTime() + this.settings.probeLeaseMs)) : record;
      if (record.requestsPerSecond !== null) {
        const slots = rateSlots(next.rateTat, now.getTime(), record.requestsPerSecond, granted);
        if (slots.granted === 0) return this.#wait(Math.max(1, slots.retryAt - now.getTime()), 'RATE_LIMITED');
        granted = slots.granted;
        next = { ...next, rateTat: slots.tat };
      }
      const admitted = admittedUnder(next, probe);
      if (next === record) return { kind: 'go', granted, admitted };
      const stored = await this.#put(next, record, probe ? 'cool-down over: one probe attempt' : undefined);
      if (stored) return { kind: 'go', granted, admitted };
      record = await this.#readFresh(destination); // Another worker changed it: decide again.
    }
    return this.#wait(SHORT_WAIT_MS, 'SATURATED');
  }

  /**
   * How long a delivery waits for a saturated destination: as long as its oldest delivery in flight
   * has been running (between 1 and 30 s). A fast vendor frees a slot within a second; one that lets
   * every attempt run into its timeout frees none for a while, and a queue-fed worker that looked
   * again every second would spend itself re-deferring that vendor's backlog instead of delivering
   * other destinations' notifications.
   */
  #saturatedWaitMs(destination: string): number {
    const now = this.clock.now().getTime();
    let oldest = now;
    for (const ticket of this.#issuedAt.get(destination) ?? []) oldest = Math.min(oldest, ticket.at);
    return Math.min(MAX_SATURATED_WAIT_MS, Math.max(SHORT_WAIT_MS, now - oldest));
  }

  /**
   * The breaker's admission, and a Retry-After hold this process saw that the record may not show
   * yet; a HALF_OPEN wait is never longer than a second.
   */
  #admission(record: DestinationRecord, now: Date): Admission {
    const decision = admission(record, now);
    // A probe's lease outlasts its attempt by far (it covers a dead worker): look again within a
    // second, so the probe's success releases the waiting ones at once, not when the lease lapses.
    if (decision.kind === 'wait' && decision.reason === 'HALF_OPEN' && decision.until !== null) {
      const soon = now.getTime() + SHORT_WAIT_MS;
      if (decision.until.getTime() > soon) return { ...decision, until: new Date(soon) };
    }
    const localHold = this.#localHolds.get(record.destination);
    if (decision.kind === 'wait' || localHold === undefined) return decision;
    if (localHold <= now.getTime()) {
      this.#localHolds.delete(record.destination);
      return decision;
    }
    return { kind: 'wait', until: new Date(localHold), reason: 'RETRY_AFTER' };
  }

  #ticket(destination: string, admitted: AdmittedUnder): DeliveryTicket {
    let done = false;
    const issued = { at: this.clock.now().getTime() };
    const tickets = this.#issuedAt.get(destination) ?? new Set<{ at: number }>();
    this.#issuedAt.set(destination, tickets);
    tickets.add(issued);
    const release = () => {
      if (done) return false;
      done = true;
      this.#addInFlight(destination, -1);
      tickets.delete(issued);
      if (tickets.size === 0 && this.#issuedAt.get(destination) === tickets) this.#issuedAt.delete(destination);
      return true;
    };
    return {
      destination,
      finish: async (result, retryAfterMs, timeoutMs) => {
        if (!release()) return;
        try {
          await this.#recordOutcome(destination, admitted, result, retryAfterMs, timeoutMs);
        } catch (error) {
          this.logger.warn(
            { destination, err: error },
            'destination state not recorded; it catches up on the next attempt',
          );
        }
      },
      cancel: () => {
        if (!release() || !admitted.probe) return;
        // An unused probe is given back, or the destination would wait for its lease to lapse.
        void this.#update(destination, (r) => ({ ...r, probeUntil: null }), 'probe not used').catch(() => {});
      },
    };
  }

  async #recordOutcome(
    destination: string,
    admitted: AdmittedUnder,
    result: DeliveryResult,
    retryAfterMs: number | null,
    timeoutMs: number | undefined,
  ): Promise<void> {
    const now = this.clock.now();
    const signal = healthSignal(result, timeoutMs);
    const holds = retryAfterMs !== null && (result.statusCode === 429 || result.statusCode === 503);
    const holdMs = holds ? Math.min(retryAfterMs, this.settings.retryMaxDelayMs) : 0;
    // The hold applies to this process at once, before its write lands: the attempt's outcome may be
    // visible (and other notifications claimable) sooner than the destination's record is written.
    if (holds)
      this.#localHolds.set(destination, Math.max(this.#localHolds.get(destination) ?? 0, now.getTime() + holdMs));
    await this.#coalesced(
      destination,
      (record) => {
        let next = afterAttempt(record, signal, now, this.settings.breaker, admitted);
        if (holds) next = holdUntil(next, new Date(now.getTime() + holdMs));
        return isChange(record, next) ? next : record;
      },
      holds ? `Retry-After from ${result.statusCode}` : `${result.category} attempt`,
    );
  }

  /**
   * Applies outcomes one write at a time per destination, each write carrying every outcome that
   * arrived while the previous one was under way. Without it, a batch of attempts failing together
   * would race each other's conditional writes (each loss costs a read and another write on DynamoDB).
   */
  async #coalesced(
    destination: string,
    change: (record: DestinationRecord) => DestinationRecord,
    reason: string,
  ): Promise<void> {
    const waiting = this.#waitingChanges.get(destination) ?? [];
    waiting.push(change);
    this.#waitingChanges.set(destination, waiting);
    const previous = this.#writing.get(destination) ?? Promise.resolve();
    const write = previous.then(async () => {
      const changes = this.#waitingChanges.get(destination);
      if (!changes) return; // An earlier write carried this change.
      this.#waitingChanges.delete(destination);
      await this.#update(destination, (record) => changes.reduce((current, apply) => apply(current), record), reason);
    });
    const settled = write.catch(() => {});
    this.#writing.set(destination, settled);
    // The last write of a burst leaves nothing behind it.
    void settled.then(() => {
      if (this.#writing.get(destination) === settled) this.#writing.delete(destination);
    });
    await write;
  }

  /** Writes `change(record)` over the current record unless it is the same, deciding again after a lost race. */
  async #update(
    destination: string,
    change: (record: DestinationRecord) => DestinationRecord,
    reason: string,
    known?: DestinationRecord,
  ): Promise<DestinationRecord> {
    let record = known ?? (await this.#read(destination));
    for (let round = 0; round < MAX_WRITE_ROUNDS; round++) {
      const next = change(record);
      if (next === record) return record;
      const stored = await this.#put(next, record, reason);
      if (stored) return stored;
      record = await this.#readFresh(destination);
    }
    throw new Error(`destination ${destination}: ${MAX_WRITE_ROUNDS} conditional writes in a row lost their race`);
  }

  async #put(
    next: DestinationRecord,
    previous: DestinationRecord,
    reason?: string,
  ): Promise<DestinationRecord | undefined> {
    const stored = await this.#storeCall(next.destination, () => this.store.put(next, previous.version));
    if (!stored) return undefined;
    this.#remember(stored);
    const from = destinationState(previous);
    const to = destinationState(stored);
    if (from !== to) {
      const fields = {
        destination: stored.destination,
        from,
        to,
        reason,
        consecutiveFailures: stored.consecutiveFailures,
      };
      if (to === 'OPEN') this.logger.warn({ ...fields, openUntil: stored.openUntil }, 'destination state changed');
      else this.logger.info(fields, 'destination state changed');
    }
    return stored;
  }

  async #read(destination: string): Promise<DestinationRecord> {
    const cached = this.#cache.get(destination);
    if (cached && this.clock.now().getTime() - cached.readAt < this.settings.cacheMs) return cached.record;
    return this.#readFresh(destination);
  }

  /** The stored record, or a new one (not stored until something changes) for a destination never recorded. */
  async #readFresh(destination: string): Promise<DestinationRecord> {
    const record =
      (await this.#storeCall(destination, () => this.store.get(destination))) ?? newDestinationRecord(destination);
    this.#remember(record);
    return record;
  }

  #remember(record: DestinationRecord): void {
    const cached = this.#cache.get(record.destination)?.record;
    if (cached && cached.version > record.version) return;
    // Deleted first, so the map's order is the order of use: the least recently used come first.
    this.#cache.delete(record.destination);
    this.#cache.set(record.destination, { record, readAt: this.clock.now().getTime() });
    if (record.version > 0) this.#known.add(record.destination);
    if (this.#cache.size > this.#maxTracked) this.#dropIdle();
  }

  /**
   * Drops the least recently used destinations over the cap that are idle: no delivery in flight,
   * no store call or write under way or waiting, no Retry-After hold in force. A dropped one's record
   * is read again from the store when it is next needed. Busy ones are kept however many there are:
   * deliveries in flight are bounded by the process's concurrency.
   */
  #dropIdle(): void {
    let excess = this.#cache.size - this.#maxTracked;
    const now = this.clock.now().getTime();
    for (const destination of this.#cache.keys()) {
      if (excess <= 0) return;
      if (this.#busy(destination, now)) continue;
      this.#cache.delete(destination);
      this.#known.delete(destination);
      this.#localHolds.delete(destination);
      excess--;
    }
  }

  #busy(destination: string, now: number): boolean {
    return (
      this.#inFlight.has(destination) ||
      this.#issuedAt.has(destination) ||
      this.#storeCalls.has(destination) ||
      this.#writing.has(destination) ||
      this.#waitingChanges.has(destination) ||
      (this.#localHolds.get(destination) ?? 0) > now
    );
  }

  async #storeCall<T>(destination: string, call: () => Promise<T>): Promise<T> {
    this.#storeCalls.set(destination, (this.#storeCalls.get(destination) ?? 0) + 1);
    try {
      return await call();
    } finally {
      const left = (this.#storeCalls.get(destination) ?? 1) - 1;
      if (left > 0) this.#storeCalls.set(destination, left);
      else this.#storeCalls.delete(destination);
    }
  }

  #addInFlight(destination: string, delta: number): void {
    const count = this.inFlight(destination) + delta;
    if (count > 0) this.#inFlight.set(destination, count);
    else this.#inFlight.delete(destination);
  }

  #wait(ms: number, reason: WaitReason): Extract<Acquired, { kind: 'wait' }> {
    return { kind: 'wait', until: new Date(this.clock.now().getTime() + ms), reason };
  }
}

/** As many of `wanted` rate slots as the limit allows now, and the limiter's state after them. */
function rateSlots(
  tat: number,
  now: number,
  requestsPerSecond: number,
  wanted: number,
): { granted: number; tat: number; retryAt: number } {
  let granted = 0;
  let current = tat;
  for (; granted < wanted; granted++) {
    const slot = takeRateSlot(current, now, requestsPerSecond);
    if (!slot.allowed) return { granted, tat: current, retryAt: slot.retryAt };
    current = slot.tat;
  }
  return { granted, tat: current, retryAt: now };
}

/** Whether `next` differs from `record` in anything but a fresh `lastSuccessAt` (refreshed once a minute). */
function isChange(record: DestinationRecord, next: DestinationRecord): boolean {
  if (next === record) return false;
  const { lastSuccessAt: before, ...rest } = record;
  const { lastSuccessAt: after, ...nextRest } = next;
  if (JSON.stringify(rest) !== JSON.stringify(nextRest)) return true;
  if (after === before) return false;
  return before === null || after === null || Date.parse(after) - Date.parse(before) >= LAST_SUCCESS_REFRESH_MS;
}
