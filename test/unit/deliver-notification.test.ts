import { beforeEach, describe, expect, it } from 'vitest';
import { deliverNotification } from '../../src/app/deliver-notification.js';
import { ATTEMPT_HEADER, CORRELATION_ID_HEADER, NOTIFICATION_ID_HEADER } from '../../src/domain/headers.js';
import type { Notification } from '../../src/domain/notification.js';
import type { HttpExchange } from '../../src/domain/outcome.js';
import {
  FakeClock,
  type FakeDependencies,
  FakeHttpSender,
  fakeDependencies,
  httpFailure,
  httpResponse,
  type ScriptedExchange,
} from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';
import { ALMOST_ONE, constantRandom, seededRandom } from '../helpers/seeded-random.js';

const START = new Date('2025-01-01T00:00:00.000Z');
const ID = '5b0c6a1e-2f0d-4f7a-9c1e-8d3b2a4c6e10';
/** Where makeNotification's notifications go. */
const DESTINATION = 'https://hooks.example.com';

/** A sender answer that takes `ms` of (fake) time, as a real round trip would. */
function after(ms: number, exchange: HttpExchange): ScriptedExchange {
  return () => {
    clock.advance(ms);
    return exchange;
  };
}

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock(START);
});

async function setUp(
  script: ScriptedExchange[],
  overrides: Partial<Notification> = {},
  random = seededRandom(7),
): Promise<FakeDependencies> {
  const deps = fakeDependencies({ sender: new FakeHttpSender(...script), clock, random });
  await deps.store.insert(
    makeNotification({
      id: ID,
      status: 'QUEUED',
      url: 'https://hooks.example.com/inbound',
      maxAttempts: 5,
      createdAt: START.toISOString(),
      ...overrides,
    }),
  );
  return deps;
}

describe('deliverNotification', () => {
  describe('a claim that finds the previous one lost (its worker stopped mid-attempt)', () => {
    /** Claims the notification as a worker that then dies, and lets its lease lapse. */
    async function lostClaim(deps: FakeDependencies): Promise<void> {
      const at = clock.now();
      expect(
        await deps.store.claim(ID, at.toISOString(), new Date(at.getTime() + deps.leaseMs).toISOString()),
      ).toBeDefined();
      clock.advance(deps.leaseMs + 1);
    }

    it('records the interrupted attempt in the history, then makes the next one', async () => {
      const deps = await setUp([httpResponse(200)]);
      await lostClaim(deps);

      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });

      const history = await deps.store.listAttempts(ID);
      expect(history?.map((a) => [a.attempt, a.category, a.errorDetails?.code ?? null])).toEqual([
        [1, 'INTERRUPTED', 'WORKER_LOST'],
        [2, 'SUCCESS', null],
      ]);
      expect(await deps.store.get(ID)).toMatchObject({ status: 'SUCCESS', attempts: 2 });
      expect(deps.sender.requests[0]?.headers['X-Herald-Attempt']).toBe('2');
    });

    it('ends FAILED without sending when the interrupted attempt was the last of the budget', async () => {
      const deps = await setUp([], { maxAttempts: 1 });
      await lostClaim(deps);

      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });

      expect(deps.sender.requests).toHaveLength(0);
      expect(await deps.store.get(ID)).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        deliveryResult: { category: 'INTERRUPTED', retryEligible: true },
      });
    });
  });

  describe('a 2xx answer', () => {
    it('records SUCCESS with deliveredAt and the attempt', async () => {
      const deps = await setUp([after(42, httpResponse(200, { statusText: 'OK', responseTimeMs: 42 }))]);

      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });

      const record = await deps.store.get(ID);
      expect(record).toMatchObject({
        status: 'SUCCESS',
        attempts: 1,
        deliveredAt: '2025-01-01T00:00:00.042Z',
        lastUpdatedAt: '2025-01-01T00:00:00.042Z',
        lastDeliveryAttempt: '2025-01-01T00:00:00.042Z',
        nextAttemptAt: null,
        leaseExpiresAt: null,
      });
      expect(record?.deliveryResult).toMatchObject({
        success: true,
        category: 'SUCCESS',
        statusCode: 200,
        responseTime: 42,
        timestamp: '2025-01-01T00:00:00.042Z',
      });
      const history = await deps.store.listAttempts(ID);
      expect(history).toEqual([{ ...record?.deliveryResult, attempt: 1 }]);
    });

    it("sends the caller's request plus the Herald identification headers", async () => {
      const deps = await setUp([httpResponse(204)], {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-Custom': 'kept', Authorization: 'Bearer abc' },
        body: { event: 'order.paid', amount: 3 },
        timeoutMs: 2500,
      });

      await deliverNotification(deps, ID);

      expect(deps.sender.requests).toHaveLength(1);
      const [request] = deps.sender.requests;
      const correlationId = (await deps.store.get(ID))?.deliveryResult?.correlationId;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(request).toEqual({
        url: 'https://hooks.example.com/inbound',
        method: 'PUT',
        headers: {
          'Content-Type': 'application/json',
          'X-Custom': 'kept',
          Authorization: 'Bearer abc',
          [NOTIFICATION_ID_HEADER]: ID,
          [ATTEMPT_HEADER]: '1',
          [CORRELATION_ID_HEADER]: correlationId,
        },
        body: '{"event":"order.paid","amount":3}',
        timeoutMs: 2500,
      });
    });

    it('sends a string body as is and numbers the attempt after those already made', async () => {
      const deps = await setUp([httpResponse(200)], { body: 'a=1&b=2', attempts: 2 });

      await deliverNotification(deps, ID);

      expect(deps.sender.requests[0]?.body).toBe('a=1&b=2');
      expect(deps.sender.requests[0]?.headers[ATTEMPT_HEADER]).toBe('3');
      expect(await deps.store.listAttempts(ID)).toMatchObject([{ attempt: 3 }]);
    });

    it('claims a record still PENDING (the QUEUED write of ingest may not have landed)', async () => {
      const deps = await setUp([httpResponse(200)], { status: 'PENDING' });
      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });
      expect((await deps.store.get(ID))?.status).toBe('SUCCESS');
    });
  });

  describe('a retryable failure', () => {
    it.each([
      ['503', httpResponse(503)],
      ['a timeout', httpFailure('TIMEOUT')],
      ['a refused connection', httpFailure('NETWORK')],
    ])('after %s: QUEUED, and the message comes back after the backoff delay', async (_, exchange) => {
      const deps = await setUp([after(10, exchange)], { attempts: 2 });

      const outcome = await deliverNotification(deps, ID);

      // The third attempt failed: the backoff ceiling is base·2^(3-1) = 4000 ms.
      expect(outcome).toEqual({ action: 'retryLater', destination: DESTINATION, delayMs: expect.any(Number) });
      const delayMs = outcome.action === 'retryLater' ? outcome.delayMs : Number.NaN;
      expect(delayMs).toBeGreaterThanOrEqual(0);
      expect(delayMs).toBeLessThanOrEqual(4000);
      const record = await deps.store.get(ID);
      expect(record).toMatchObject({ status: 'QUEUED', attempts: 3, deliveredAt: null, leaseExpiresAt: null });
      expect(record?.nextAttemptAt).toBe(new Date(START.getTime() + 10 + delayMs).toISOString());
      expect(record?.deliveryResult).toMatchObject({ success: false, retryEligible: true });
    });

    it.each([
      [10, 0],
      [999, 0],
      [1000, 1],
    ])(
      "counts a timeout against the destination's breaker only for timeoutMs ≥ 1 s (%i ms: %i)",
      async (timeoutMs, failures) => {
        const deps = await setUp([httpFailure('TIMEOUT')], { timeoutMs });
        await deliverNotification(deps, ID);
        expect(deps.sender.requests[0]?.timeoutMs).toBe(timeoutMs);
        expect((await deps.destinationStore.get(DESTINATION))?.consecutiveFailures ?? 0).toBe(failures);
      },
    );

    it('keeps the delay within the bounds whatever the jitter draws', async () => {
      for (const random of [constantRandom(0), constantRandom(ALMOST_ONE), seededRandom(99)]) {
        const deps = await setUp([httpResponse(500)], {}, random);
        const outcome = await deliverNotification(deps, ID);
        expect(outcome.action).toBe('retryLater');
        if (outcome.action === 'retryLater') {
          expect(outcome.delayMs).toBeGreaterThanOrEqual(0);
          expect(outcome.delayMs).toBeLessThanOrEqual(1000); // first attempt: at most the base delay
        }
      }
      const top = await setUp([httpResponse(500)], {}, constantRandom(ALMOST_ONE));
      expect(await deliverNotification(top, ID)).toEqual({
        action: 'retryLater',
        destination: DESTINATION,
        delayMs: 1000,
      });
    });

    it("honours the vendor's Retry-After", async () => {
      const deps = await setUp([httpResponse(429, { retryAfter: '120' })], {}, constantRandom(0));
      expect(await deliverNotification(deps, ID)).toEqual({
        action: 'retryLater',
        destination: DESTINATION,
        delayMs: 120_000,
      });
      expect(await deps.store.get(ID)).toMatchObject({
        status: 'QUEUED',
        nextAttemptAt: '2025-01-01T00:02:00.000Z',
        deliveryResult: { category: 'RATE_LIMITED' },
      });
    });

    it('is FAILED when it spends the last attempt of the budget', async () => {
      const deps = await setUp([httpResponse(503)], { attempts: 4, maxAttempts: 5 });
      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });
      expect(await deps.store.get(ID)).toMatchObject({ status: 'FAILED', attempts: 5, nextAttemptAt: null });
    });
  });

  it.each([
    ['404', httpResponse(404)],
    ['a redirect', httpResponse(302)],
    ['a blocked target', httpFailure('BLOCKED_TARGET', 'BLOCKED_ADDRESS')],
  ])('after %s (not retryable): FAILED, message done', async (_, exchange) => {
    const deps = await setUp([exchange]);
    expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });
    expect(await deps.store.get(ID)).toMatchObject({
      status: 'FAILED',
      attempts: 1,
      nextAttemptAt: null,
      deliveredAt: null,
      deliveryResult: { success: false, retryEligible: false },
    });
  });

  describe('a message held back by its destination (paused) before any claim', () => {
    const HOUR_MS = 3600 * 1000;
    async function pausedSetUp() {
      const deps = await setUp([]);
      await deps.destinations.remember(DESTINATION);
      await deps.destinations.change(DESTINATION, (record) => ({ ...record, paused: true }), 'test');
      const retained: { id: string; at: string }[] = [];
      // The in-memory store never expires anything; this one records what it is asked to keep.
      Object.assign(deps.store, {
        retain: async (id: string, at: string) => {
          retained.push({ id, at });
        },
      });
      return { deps, retained };
    }

    it('starts counting how long it is held on its first hold, and asks the store for nothing', async () => {
      const { deps, retained } = await pausedSetUp();
      expect(await deliverNotification(deps, ID, 1, DESTINATION)).toEqual({
        action: 'retryLater',
        delayMs: expect.any(Number),
        destination: DESTINATION,
        heldSince: START.getTime(),
      });
      expect(retained).toEqual([]);
    });

    it('asks the store to keep the notification once it has been held a day, and counts again from then', async () => {
      const { deps, retained } = await pausedSetUp();
      const held = (heldSince: number) => deliverNotification(deps, ID, 1, DESTINATION, heldSince);

      expect(await held(START.getTime() - 23 * HOUR_MS)).toMatchObject({ heldSince: START.getTime() - 23 * HOUR_MS });
      expect(retained).toEqual([]);

      expect(await held(START.getTime() - 25 * HOUR_MS)).toMatchObject({
        action: 'retryLater',
        heldSince: START.getTime(),
      });
      expect(retained).toEqual([{ id: ID, at: START.toISOString() }]);
      // Nothing was claimed or spent.
      expect(await deps.store.get(ID)).toMatchObject({ status: 'QUEUED', attempts: 0 });
    });
  });

  describe('a message it cannot act on', () => {
    it('for a notification not stored yet: left for redelivery on its first two receives, nothing sent', async () => {
      const deps = await setUp([]);
      expect(await deliverNotification(deps, 'no-such-id', 1)).toEqual({ action: 'redeliver' });
      expect(await deliverNotification(deps, 'no-such-id', 2)).toEqual({ action: 'redeliver' });
      expect(deps.sender.requests).toEqual([]);
    });

    it('on a first receive, waits for a record whose store write is in flight, then delivers it', async () => {
      const deps = await setUp([httpResponse(200, { statusText: 'OK', responseTimeMs: 5 })]);
      const late = makeNotification({ id: '0b7d3c52-9e43-4b8e-a2a1-64c1f3e0d9a7', createdAt: START.toISOString() });
      setTimeout(() => void deps.store.insert(late), 60);

      expect(await deliverNotification(deps, late.id, 1)).toEqual({ action: 'done' });
      expect(deps.sender.requests).toHaveLength(1);
      expect((await deps.store.get(late.id))?.status).toBe('SUCCESS');
    });

    it('for an unknown notification on its third receive: done, nothing sent, logged', async () => {
      const deps = await setUp([]);
      expect(await deliverNotification(deps, 'no-such-id', 3)).toEqual({ action: 'done' });
      expect(deps.sender.requests).toEqual([]);
      expect(deps.logger.entries).toContainEqual(
        expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ notificationId: 'no-such-id' }) }),
      );
    });

    it.each(['SUCCESS', 'FAILED', 'CANCELLED'] as const)(
      'for a %s notification: done, nothing sent',
      async (status) => {
        const deps = await setUp([], { status, attempts: 1 });
        expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });
        expect(deps.sender.requests).toEqual([]);
        expect((await deps.store.get(ID))?.status).toBe(status);
      },
    );

    it('for a notification another worker holds: retried after the lease at the earliest', async () => {
      const leaseExpiresAt = new Date(START.getTime() + 20_000).toISOString();
      const deps = await setUp([], { status: 'PROCESSING', leaseExpiresAt });

      const outcome = await deliverNotification(deps, ID);

      expect(outcome.action).toBe('retryLater');
      expect(outcome.action === 'retryLater' && outcome.delayMs).toBeGreaterThanOrEqual(20_000);
      expect(deps.sender.requests).toEqual([]);
      expect(await deps.store.get(ID)).toMatchObject({ status: 'PROCESSING', leaseExpiresAt, attempts: 0 });
    });

    it('for a notification whose worker died: delivered again once the lease lapsed', async () => {
      const leaseExpiresAt = new Date(START.getTime() - 1).toISOString();
      const deps = await setUp([httpResponse(200)], { status: 'PROCESSING', leaseExpiresAt });
      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });
      expect(deps.sender.requests).toHaveLength(1);
      expect((await deps.store.get(ID))?.status).toBe('SUCCESS');
    });

    it('before nextAttemptAt: retried when it is due, and nothing is sent now', async () => {
      const nextAttemptAt = new Date(START.getTime() + 30_000).toISOString();
      const deps = await setUp([httpResponse(200)], { attempts: 1, nextAttemptAt });

      const outcome = await deliverNotification(deps, ID);

      expect(outcome.action).toBe('retryLater');
      const delayMs = outcome.action === 'retryLater' ? outcome.delayMs : Number.NaN;
      expect(delayMs).toBeGreaterThanOrEqual(30_000);
      expect(delayMs).toBeLessThanOrEqual(31_000);
      expect(deps.sender.requests).toEqual([]);
      expect(await deps.store.get(ID)).toMatchObject({ status: 'QUEUED', attempts: 1, nextAttemptAt });

      clock.advance(delayMs);
      expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });
      expect(deps.sender.requests).toHaveLength(1);
    });
  });

  it('when another worker records the attempt first: done, its record stands, and it is logged', async () => {
    // While our request is in flight our lease lapses; a second worker claims, delivers and records.
    const otherWorkerFinishesFirst = async (): Promise<HttpExchange> => {
      clock.advance(deps.leaseMs + 1);
      const at = clock.now().toISOString();
      const claimed = await deps.store.claim(ID, at, new Date(clock.now().getTime() + deps.leaseMs).toISOString());
      expect(claimed?.attempts).toBe(0);
      const recorded = await deps.store.recordAttempt(ID, claimed as Notification, {
        status: 'SUCCESS',
        at,
        nextAttemptAt: null,
        attempt: {
          attempt: 1,
          success: true,
          retryEligible: false,
          category: 'SUCCESS',
          statusCode: 200,
          statusText: 'OK',
          responseTime: 3,
          errorDetails: null,
          timestamp: at,
          correlationId: 'other-worker',
        },
      });
      expect(recorded).toBe(true);
      return httpResponse(503);
    };
    const deps = await setUp([otherWorkerFinishesFirst]);

    expect(await deliverNotification(deps, ID)).toEqual({ action: 'done' });

    expect(deps.sender.requests).toHaveLength(1);
    expect(await deps.store.get(ID)).toMatchObject({
      status: 'SUCCESS',
      attempts: 1,
      deliveryResult: { correlationId: 'other-worker' },
    });
    expect(await deps.store.listAttempts(ID)).toMatchObject([{ correlationId: 'other-worker' }]);
    expect(deps.logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ notificationId: ID, attempt: 1 }),
        message: expect.stringContaining('not recorded'),
      }),
    );
  });
});
