import { describe, expect, it } from 'vitest';
import { DestinationGate } from '../../src/app/destination-gate.js';
import { type DestinationRecord, newDestinationRecord } from '../../src/domain/destination.js';
import { FAKE_DESTINATION_SETTINGS, FakeClock, InMemoryDestinationStore, RecordingLogger } from '../helpers/fakes.js';
import { makeResult, makeSuccessResult } from '../helpers/notifications.js';

const VENDOR = 'https://vendor.example';
const OTHER = 'https://other.example';
const down = () => makeResult({ category: 'TIMEOUT', statusCode: null });

function setUp(overrides: Partial<typeof FAKE_DESTINATION_SETTINGS> = {}) {
  const store = new InMemoryDestinationStore();
  const clock = new FakeClock('2030-01-01T00:00:00.000Z');
  const logger = new RecordingLogger();
  const gate = new DestinationGate(store, { ...FAKE_DESTINATION_SETTINGS, ...overrides }, clock, logger);
  return { store, clock, logger, gate };
}

async function tickets(gate: DestinationGate, destination: string, wanted: number) {
  const acquired = await gate.acquire(destination, wanted);
  if (acquired.kind !== 'go') throw new Error(`expected tickets, got ${JSON.stringify(acquired)}`);
  return acquired.tickets;
}

describe('DestinationGate', () => {
  it('caps deliveries in flight per destination, and a finished one frees its slot', async () => {
    const { gate } = setUp();
    const four = await tickets(gate, VENDOR, 10); // the cap is 4
    expect(four).toHaveLength(4);
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'SATURATED' });
    // Another destination is not held back by this one.
    expect(await tickets(gate, OTHER, 1)).toHaveLength(1);

    await four[0]?.finish(makeSuccessResult(), null);
    four[1]?.cancel();
    four[1]?.cancel(); // a second release of one ticket frees nothing more
    expect(gate.inFlight(VENDOR)).toBe(2);
    expect(await tickets(gate, VENDOR, 10)).toHaveLength(2);
  });

  it('applies a destination’s own cap on its first acquire, before any copy of its record is cached', async () => {
    const { gate, store } = setUp();
    await store.put({ ...newDestinationRecord(VENDOR), maxConcurrency: 1 }, 0);
    expect(await tickets(gate, VENDOR, 10)).toHaveLength(1);
    expect(gate.inFlight(VENDOR)).toBe(1);
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'SATURATED' });
  });

  it('adopts a record another writer stored, and keeps it over an older one that settles later', async () => {
    const { gate, store } = setUp();
    await gate.remember(VENDOR);
    const v1 = await store.get(VENDOR);
    const paused = await store.put({ ...(v1 as DestinationRecord), paused: true }, 1);
    gate.adopt(paused as DestinationRecord);
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'PAUSED' });
    // A copy older than the one adopted (a write of this gate answered late) changes nothing.
    gate.adopt(v1 as DestinationRecord);
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'PAUSED' });
  });

  it('never overruns the cap when many callers ask at once', async () => {
    const { gate } = setUp();
    const results = await Promise.all(Array.from({ length: 10 }, () => gate.acquire(VENDOR, 1)));
    expect(results.filter((r) => r.kind === 'go')).toHaveLength(4);
  });

  it('writes nothing on the healthy path once the destination is recorded', async () => {
    const { gate, store } = setUp();
    await gate.remember(VENDOR);
    expect(store.writes).toBe(1);
    for (let i = 0; i < 20; i++) {
      const [ticket] = await tickets(gate, VENDOR, 1);
      await ticket?.finish(makeSuccessResult(), null);
    }
    // The first success sets lastSuccessAt; the rest, within a minute, change nothing.
    expect(store.writes).toBe(2);
  });

  it('opens the breaker after the threshold, logs the change, and lets one probe through after the cool-down', async () => {
    const { gate, clock, logger, store } = setUp();
    for (let i = 0; i < 3; i++) {
      const [ticket] = await tickets(gate, VENDOR, 1);
      await ticket?.finish(down(), null);
    }
    expect(store.records.get(VENDOR)).toMatchObject({ breaker: 'OPEN', consecutiveFailures: 3 });
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        message: 'destination state changed',
        fields: expect.objectContaining({ destination: VENDOR, from: 'CLOSED', to: 'OPEN' }),
      }),
    );
    const waiting = await gate.acquire(VENDOR, 1);
    expect(waiting).toMatchObject({ kind: 'wait', reason: 'OPEN', until: new Date('2030-01-01T00:00:10.000Z') });
    expect(await gate.heldUntil(VENDOR)).toEqual(new Date('2030-01-01T00:00:10.000Z'));

    clock.advance(10_000);
    const probe = await tickets(gate, VENDOR, 4);
    expect(probe).toHaveLength(1);
    expect(store.records.get(VENDOR)?.breaker).toBe('HALF_OPEN');
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'HALF_OPEN' });
    await probe[0]?.finish(makeSuccessResult(), null);
    expect(store.records.get(VENDOR)).toMatchObject({ breaker: 'CLOSED', consecutiveFailures: 0 });
    expect(await tickets(gate, VENDOR, 4)).toHaveLength(4);
  });

  it('keeps the breaker open when attempts admitted before it opened answer late, and lets only its probe close it', async () => {
    const { gate, clock, store } = setUp();
    const [slow, alsoSlow, ...failing] = await tickets(gate, VENDOR, 4);
    // Two of the four fail; one more admitted after them makes three in a row: the breaker opens.
    for (const ticket of failing) await ticket.finish(down(), null);
    const [third] = await tickets(gate, VENDOR, 1);
    await third?.finish(down(), null);
    const opened = store.records.get(VENDOR);
    expect(opened).toMatchObject({ breaker: 'OPEN', breakerGeneration: 1 });

    // The slow ones, sent before the opening, answer now: a 200 does not close it, a 503 does not extend it.
    clock.advance(2000);
    await slow?.finish(makeSuccessResult(), null);
    await alsoSlow?.finish(down(), null);
    expect(store.records.get(VENDOR)).toMatchObject({
      breaker: 'OPEN',
      openUntil: opened?.openUntil,
      openings: 1,
      lastSuccessAt: clock.now().toISOString(),
    });
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'OPEN' });

    clock.advance(8000);
    const [probe] = await tickets(gate, VENDOR, 1);
    await probe?.finish(makeSuccessResult(), null);
    expect(store.records.get(VENDOR)).toMatchObject({ breaker: 'CLOSED', breakerGeneration: 1 });
  });

  it('never opens the breaker for timeouts under 1 s a caller chose; a 1 s timeout or the default counts', async () => {
    const { gate, store } = setUp();
    for (let i = 0; i < 20; i++) {
      const [ticket] = await tickets(gate, VENDOR, 1);
      await ticket?.finish(down(), null, 10);
    }
    expect(store.records.get(VENDOR) ?? newDestinationRecord(VENDOR)).toMatchObject({
      breaker: 'CLOSED',
      consecutiveFailures: 0,
    });
    for (const timeoutMs of [1000, 10_000, undefined]) {
      const [ticket] = await tickets(gate, VENDOR, 1);
      await ticket?.finish(down(), null, timeoutMs);
    }
    expect(store.records.get(VENDOR)).toMatchObject({ breaker: 'OPEN', consecutiveFailures: 3 });
  });

  it('carries a burst of outcomes in few writes, losing none of them', async () => {
    const { gate, store } = setUp({
      concurrency: 8,
      breaker: { failureThreshold: 100, cooldownMs: 1000, maxCooldownMs: 1000 },
    });
    await gate.remember(VENDOR);
    const eight = await tickets(gate, VENDOR, 8);
    const before = store.writes;
    await Promise.all(eight.map((ticket) => ticket.finish(down(), null)));
    expect(store.records.get(VENDOR)?.consecutiveFailures).toBe(8);
    // Reported together, they go in one write (one conditional write per burst, not per outcome).
    expect(store.writes - before).toBe(1);
    // One reported while a write is under way waits for it, then goes in the next.
    const [late, later] = await tickets(gate, VENDOR, 2);
    const first = late?.finish(down(), null);
    await Promise.resolve();
    await Promise.all([first, later?.finish(down(), null)]);
    expect(store.records.get(VENDOR)?.consecutiveFailures).toBe(10);
  });

  it('decides again on a fresh read when another process changed the record (a conditional write lost)', async () => {
    const { gate, store } = setUp({ cacheMs: 60_000 });
    await gate.remember(VENDOR);
    // Another worker pauses the destination behind this gate's cached copy.
    const stored = await store.get(VENDOR);
    await store.put({ ...(stored as NonNullable<typeof stored>), paused: true }, 1);
    const [ticket] = await tickets(gate, VENDOR, 1); // the cached copy still says CLOSED
    await ticket?.finish(down(), null); // its write loses, re-reads, and keeps the pause
    expect(store.records.get(VENDOR)).toMatchObject({ paused: true, consecutiveFailures: 1, version: 3 });
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'PAUSED', until: null });
  });

  it('holds the whole destination on a 429 or 503 with Retry-After, capped by the maximum retry delay', async () => {
    const { gate } = setUp({ retryMaxDelayMs: 30_000 });
    const [first, second] = await tickets(gate, VENDOR, 2);
    await first?.finish(makeResult({ category: 'RATE_LIMITED', statusCode: 429 }), 120_000);
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({
      kind: 'wait',
      reason: 'RETRY_AFTER',
      until: new Date('2030-01-01T00:00:30.000Z'),
    });
    // A Retry-After on another status is the notification's own business, not the destination's.
    const { gate: other } = setUp();
    const [ticket] = await tickets(other, VENDOR, 1);
    await ticket?.finish(makeResult({ category: 'SERVER_ERROR', statusCode: 500 }), 120_000);
    expect((await other.acquire(VENDOR, 1)).kind).toBe('go');
    second?.cancel();
  });

  it('spreads a rate-limited destination: excess waits for its slot, never dropped', async () => {
    const { gate, clock } = setUp();
    await gate.remember(VENDOR);
    await gate.change(VENDOR, (r) => ({ ...r, requestsPerSecond: 2 }), 'test');
    const [first] = await tickets(gate, VENDOR, 4);
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({
      kind: 'wait',
      reason: 'RATE_LIMITED',
      until: new Date('2030-01-01T00:00:00.500Z'),
    });
    clock.advance(500);
    expect(await tickets(gate, VENDOR, 4)).toHaveLength(1);
    first?.cancel();
  });

  it('changes a destination on an operator request, and refuses one it never saw', async () => {
    const { gate } = setUp();
    expect(await gate.change(VENDOR, (r) => ({ ...r, paused: true }), 'pause')).toBeUndefined();
    await gate.remember(VENDOR);
    expect(await gate.change(VENDOR, (r) => ({ ...r, paused: true }), 'pause')).toMatchObject({ paused: true });
    expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'PAUSED' });
  });

  describe('bounded memory', () => {
    const CAP = 10;
    const many = (count: number, prefix = 'many') =>
      Array.from({ length: count }, (_, i) => `https://${prefix}-${i}.example`);

    it('keeps state for at most its cap of destinations after deliveries to many distinct ones', async () => {
      const { gate } = setUp({ maxTrackedDestinations: CAP });
      for (const destination of many(100)) {
        await gate.remember(destination);
        const [ticket] = await tickets(gate, destination, 1);
        await ticket?.finish(down(), 30_000);
      }
      expect(gate.trackedDestinations()).toBeLessThanOrEqual(CAP);
    });

    it('never drops a destination with a delivery in flight, and one it dropped reads its state afresh', async () => {
      const { gate } = setUp({ maxTrackedDestinations: CAP });
      const busy = many(CAP, 'busy');
      const held = await Promise.all(busy.map((destination) => tickets(gate, destination, 4)));
      await gate.remember(VENDOR);
      await gate.change(VENDOR, (r) => ({ ...r, paused: true }), 'pause');
      for (const destination of many(50)) {
        const [ticket] = await tickets(gate, destination, 1);
        await ticket?.finish(makeSuccessResult(), null);
      }

      // The busy ones keep their in-flight counts (their cap still holds); the rest were dropped.
      expect(gate.trackedDestinations()).toBeLessThanOrEqual(CAP + 1);
      for (const destination of busy) {
        expect(gate.inFlight(destination)).toBe(4);
        expect(await gate.acquire(destination, 1)).toMatchObject({ kind: 'wait', reason: 'SATURATED' });
      }
      expect(await gate.acquire(VENDOR, 1)).toMatchObject({ kind: 'wait', reason: 'PAUSED' });
      for (const ticket of held.flat()) await ticket.finish(makeSuccessResult(), null);
      expect(busy.map((destination) => gate.inFlight(destination))).toEqual(busy.map(() => 0));
    });
  });
});
