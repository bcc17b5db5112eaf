import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newDestinationRecord } from '../../src/domain/destination.js';
import { InvalidCursorError } from '../../src/domain/errors.js';
import type { DeliveryAttempt, Notification } from '../../src/domain/notification.js';
import { LIMITS } from '../../src/domain/request-schema.js';
import type { DestinationStore } from '../../src/ports/destination-store.js';
import type {
  AttemptRecord,
  ListedNotification,
  ListQuery,
  NotificationStore,
} from '../../src/ports/notification-store.js';
import { largeBodies, makeAttempt, makeNotification, makeSuccessAttempt } from '../helpers/notifications.js';

export interface StoreHarness {
  store: NotificationStore;
  /** The destination records beside the store (on the same file or table): where a pause is kept. */
  destinations: DestinationStore;
  cleanup(): Promise<void>;
}

const EPOCH = Date.UTC(2030, 0, 1);
/** A fixed instant `seconds` after 2030-01-01: tests pass explicit times instead of sleeping. */
const t = (seconds: number) => new Date(EPOCH + seconds * 1000).toISOString();

const LEASE_SECONDS = 30;

/** A notification as a listing returns it. */
const listed = ({ body: _body, ...rest }: Notification): ListedNotification => rest;

function resultOf(attempt: DeliveryAttempt) {
  const { attempt: _number, ...result } = attempt;
  return result;
}

/**
 * The behaviour every NotificationStore must have (docs/design.md §1, src/ports/notification-store.ts).
 * Each test gets a fresh, isolated store from `makeHarness`.
 */
export function describeStoreContract(name: string, makeHarness: () => Promise<StoreHarness>): void {
  describe(`NotificationStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: NotificationStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    async function inserted(overrides: Partial<Notification> = {}): Promise<Notification> {
      const notification = makeNotification({ createdAt: t(0), ...overrides });
      expect(await store.insert(notification)).toEqual({ inserted: true });
      return notification;
    }

    /** Inserts a notification and claims it at `at`; returns the claimed record. */
    async function processing(at = t(10), overrides: Partial<Notification> = {}): Promise<Notification> {
      const notification = await inserted(overrides);
      const claimed = await store.claim(notification.id, at, leaseFrom(at));
      expect(claimed?.status).toBe('PROCESSING');
      return claimed as Notification;
    }

    function leaseFrom(at: string): string {
      return new Date(Date.parse(at) + LEASE_SECONDS * 1000).toISOString();
    }

    function record(
      status: AttemptRecord['status'],
      attempt: DeliveryAttempt,
      at: string,
      nextAttemptAt: string | null = null,
    ): AttemptRecord {
      return { status, attempt, at, nextAttemptAt };
    }

    describe('insert and get', () => {
      it('round-trips every field of a new notification, keeping the type of the body', async () => {
        const variants: Partial<Notification>[] = [
          { body: '{"looks":"like json"}', metadata: { tenant: 'a', tags: ['x', 'y'], n: 3, nested: { ok: true } } },
          { body: { nested: { list: [1, 'two', null, false] } }, metadata: null },
          { body: null, method: 'GET', headers: {} },
          { body: [1, 2, 3], idempotencyKey: 'order-42', sign: true, caller: 'billing-team.eu_1' },
          { body: '', headers: { 'X-Custom': 'value with spaces', Authorization: 'Bearer secret' } },
        ];
        for (const variant of variants) {
          const notification = makeNotification({
            createdAt: t(1),
            url: 'https://example.com/hooks?x=1',
            maxAttempts: 7,
            timeoutMs: 1234,
            requestHash: `hash-${Math.random()}`,
            ...variant,
          });
          expect(await store.insert(notification)).toEqual({ inserted: true });
          expect(await store.get(notification.id)).toStrictEqual(notification);
        }
      });

      it('keeps sign through a claim and a listing, which is what the worker and operators read', async () => {
        const signed = await inserted({ sign: true });
        const unsigned = await inserted({ sign: false });

        expect((await store.claim(signed.id, t(10), t(40)))?.sign).toBe(true);
        expect((await store.claim(unsigned.id, t(10), t(40)))?.sign).toBe(false);
        const listed = (await store.list({ limit: 10 })).items;
        expect(Object.fromEntries(listed.map((n) => [n.id, n.sign]))).toEqual({
          [signed.id]: true,
          [unsigned.id]: false,
        });
      });

      it('keeps the caller through a claim, a cancel and a listing; "default" is stored like any other', async () => {
        const billing = await inserted({ caller: 'billing' });
        const full = await inserted({ caller: 'default' });
        const cancelled = await inserted({ caller: 'shipping' });

        expect((await store.claim(billing.id, t(10), t(40)))?.caller).toBe('billing');
        expect((await store.cancel(cancelled.id, t(11)))?.caller).toBe('shipping');
        const listed = (await store.list({ limit: 10 })).items;
        expect(Object.fromEntries(listed.map((n) => [n.id, n.caller]))).toEqual({
          [billing.id]: 'billing',
          [full.id]: 'default',
          [cancelled.id]: 'shipping',
        });
      });

      it('stores the status it is given: QUEUED when ingest sent the message first', async () => {
        const queued = await inserted({ status: 'QUEUED' });
        const pending = await inserted();

        expect(await store.get(queued.id)).toStrictEqual(queued);
        expect((await store.list({ statuses: ['QUEUED'], limit: 10 })).items.map((n) => n.id)).toEqual([queued.id]);
        expect((await store.list({ statuses: ['PENDING'], limit: 10 })).items.map((n) => n.id)).toEqual([pending.id]);
        const claimed = await store.claim(queued.id, t(10), t(40));
        expect(claimed).toMatchObject({ id: queued.id, status: 'PROCESSING', leaseExpiresAt: t(40) });
      });

      it('returns undefined for an unknown id', async () => {
        await inserted();
        expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      });

      it('does not overwrite an existing id and returns the stored record instead', async () => {
        const first = await inserted({ url: 'http://127.0.0.1:9/first', body: 'first' });
        const second = makeNotification({ id: first.id, createdAt: t(5), url: 'http://127.0.0.1:9/second', body: 2 });

        const outcome = await store.insert(second);

        expect(outcome).toStrictEqual({ inserted: false, existing: first });
        expect(await store.get(first.id)).toStrictEqual(first);
      });

      it('lets exactly one of 20 concurrent inserts of one id win', async () => {
        const id = '11111111-1111-4111-8111-111111111111';
        const candidates = Array.from({ length: 20 }, (_, i) =>
          makeNotification({ id, createdAt: t(i), url: `http://127.0.0.1:9/hook/${i}` }),
        );

        const outcomes = await Promise.all(candidates.map((candidate) => store.insert(candidate)));

        const winners = outcomes.filter((outcome) => outcome.inserted);
        expect(winners).toHaveLength(1);
        const stored = await store.get(id);
        expect(stored).toBeDefined();
        expect(candidates).toContainEqual(stored);
        for (const outcome of outcomes) {
          if (!outcome.inserted) expect(outcome.existing).toStrictEqual(stored);
        }
      });
    });

    describe('large bodies', () => {
      // Far above what a store keeps with the record (DynamoDB: 8 KiB), and just above that; all of
      // them fit a request (256 KiB).
      const SIZES = [9 * 1024, 200 * 1024];
      const cases = SIZES.flatMap((bytes) =>
        largeBodies(bytes).map(({ kind, body }) => ({ name: `${kind} of ${bytes / 1024} KiB`, body })),
      );

      it.each(cases)('round-trips a $name exactly through insert, get and claim', async ({ body }) => {
        const notification = await inserted({ body, headers: { 'content-type': 'text/plain; charset=utf-8' } });

        expect(await store.get(notification.id)).toStrictEqual(notification);
        expect((await store.list({ limit: 10 })).items).toStrictEqual([listed(notification)]);
        const claimed = await store.claim(notification.id, t(10), t(40));
        expect(claimed).toStrictEqual({
          ...notification,
          status: 'PROCESSING',
          leaseExpiresAt: t(40),
          lastUpdatedAt: t(10),
          claimedFrom: 'PENDING',
        });
        // The JSON text itself, byte for byte, which is what the API answers with.
        expect(JSON.stringify(claimed?.body)).toBe(JSON.stringify(body));
      });

      it('returns a large body with every notification a write answers with: cancel, reopen', async () => {
        const [{ body: first }, { body: second }] = largeBodies(20 * 1024);
        const cancelled = await inserted({ body: first });
        const failed = await processing(t(10), { body: second });
        expect(await store.recordAttempt(failed.id, failed, record('FAILED', makeAttempt(), t(11)))).toBe(true);

        expect((await store.cancel(cancelled.id, t(12)))?.body).toStrictEqual(first);
        expect((await store.reopen(failed.id, t(13)))?.body).toStrictEqual(second);
      });

      it('keeps the stored body when the id is inserted again, with the same body or another', async () => {
        const [{ body }, { body: other }] = largeBodies(64 * 1024);
        const first = await inserted({ body, idempotencyKey: 'large-1' });

        const replay = await store.insert({ ...first, createdAt: t(5), lastUpdatedAt: t(5) });
        const conflict = await store.insert(makeNotification({ id: first.id, createdAt: t(6), body: other }));

        expect(replay).toStrictEqual({ inserted: false, existing: first });
        expect(conflict).toStrictEqual({ inserted: false, existing: first });
        expect(await store.get(first.id)).toStrictEqual(first);
        expect((await store.claim(first.id, t(10), t(40)))?.body).toStrictEqual(body);
      });

      it('may leave the body out of a read that asks for none, and returns the rest unchanged', async () => {
        const [{ body }] = largeBodies(64 * 1024);
        const failed = await processing(t(10), { body });
        expect(await store.recordAttempt(failed.id, failed, record('FAILED', makeAttempt(), t(11)))).toBe(true);
        const stored = (await store.get(failed.id)) as Notification;
        const withoutBody = (n: Notification | undefined) => n && { ...n, body: undefined };

        const read = await store.get(failed.id, { body: false });
        const reopened = await store.reopen(failed.id, t(20), { body: false });

        expect(withoutBody(read)).toStrictEqual(withoutBody(stored));
        expect(withoutBody(reopened)).toStrictEqual({
          ...withoutBody(stored),
          status: 'PENDING',
          lastUpdatedAt: t(20),
          attemptBudgetStart: 1,
        });
        // Left out or whole, never cut or altered.
        for (const n of [read, reopened]) expect([undefined, body]).toContainEqual(n?.body);
      });
    });

    describe('listAttempts', () => {
      it('is undefined for an unknown id and empty for a new notification', async () => {
        const notification = await inserted();
        expect(await store.listAttempts('00000000-0000-4000-8000-000000000000')).toBeUndefined();
        expect(await store.listAttempts(notification.id)).toEqual([]);
      });

      it(`keeps the most recent ${LIMITS.attemptHistory} attempts, oldest first`, async () => {
        const notification = await inserted({ maxAttempts: LIMITS.maxAttempts });
        const total = LIMITS.attemptHistory + 5;
        for (let n = 1; n <= total; n++) {
          const claim = await store.claim(notification.id, t(n * 10), leaseFrom(t(n * 10)));
          expect(claim).toBeDefined();
          const attempt = makeAttempt({ attempt: n, timestamp: t(n * 10 + 1) });
          const status = n === total ? 'FAILED' : 'QUEUED';
          expect(
            await store.recordAttempt(notification.id, claim as Notification, record(status, attempt, t(n * 10 + 2))),
          ).toBe(true);
        }

        const history = await store.listAttempts(notification.id);
        expect(history?.map((a) => a.attempt)).toEqual(Array.from({ length: LIMITS.attemptHistory }, (_, i) => i + 6));
        const stored = await store.get(notification.id);
        expect(stored).toMatchObject({ status: 'FAILED', attempts: total, lastDeliveryAttempt: t(total * 10 + 1) });
        expect(stored?.deliveryResult?.timestamp).toBe(t(total * 10 + 1));
      });
    });

    describe('markQueued', () => {
      it('moves PENDING to QUEUED once', async () => {
        const notification = await inserted();

        expect(await store.markQueued(notification.id, t(3))).toBe(true);
        expect(await store.get(notification.id)).toMatchObject({ status: 'QUEUED', lastUpdatedAt: t(3) });

        expect(await store.markQueued(notification.id, t(4))).toBe(false);
        expect(await store.get(notification.id)).toMatchObject({ status: 'QUEUED', lastUpdatedAt: t(3) });
      });

      it('refuses a notification that is not PENDING, or does not exist', async () => {
        const claimed = await processing(t(10));
        expect(await store.markQueued(claimed.id, t(11))).toBe(false);
        expect((await store.get(claimed.id))?.status).toBe('PROCESSING');
        expect(await store.markQueued('00000000-0000-4000-8000-000000000000', t(11))).toBe(false);
        expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      });
    });

    describe('markPending', () => {
      it('puts a record stored QUEUED, never claimed, back to PENDING, where the sweeper finds it', async () => {
        const queued = await inserted({ status: 'QUEUED', createdAt: t(0) });

        expect(await store.markPending(queued.id, t(5))).toBe(true);

        expect(await store.get(queued.id)).toMatchObject({ status: 'PENDING', lastUpdatedAt: t(5), attempts: 0 });
        expect(await store.listStalePending(t(5), 10)).toEqual([]);
        expect(await store.listStalePending(t(6), 10)).toEqual([queued.id]);
        // The sweeper's enqueue takes it out of the stale set again.
        expect(await store.markQueued(queued.id, t(7))).toBe(true);
        expect(await store.listStalePending(t(8), 10)).toEqual([]);
      });

      it('refuses a notification claimed or attempted, or one that does not exist', async () => {
        const claimed = await processing(t(10));
        expect(await store.markPending(claimed.id, t(11))).toBe(false);
        expect(await store.get(claimed.id)).toMatchObject({ status: 'PROCESSING' });

        expect(
          await store.recordAttempt(
            claimed.id,
            claimed,
            record('QUEUED', makeAttempt({ timestamp: t(12) }), t(12), t(20)),
          ),
        ).toBe(true);
        expect(await store.markPending(claimed.id, t(13))).toBe(false);
        expect(await store.get(claimed.id)).toMatchObject({ status: 'QUEUED', attempts: 1 });

        expect(await store.markPending('00000000-0000-4000-8000-000000000000', t(13))).toBe(false);
        expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      });
    });

    describe('claim', () => {
      it('claims a PENDING notification with a lease', async () => {
        const notification = await inserted();

        const claimed = await store.claim(notification.id, t(10), t(40));

        expect(claimed).toStrictEqual({
          ...notification,
          status: 'PROCESSING',
          leaseExpiresAt: t(40),
          lastUpdatedAt: t(10),
          claimedFrom: 'PENDING',
        });
        expect(await store.get(notification.id)).toStrictEqual(claimed);
      });

      it('claims a QUEUED notification', async () => {
        const notification = await inserted();
        expect(await store.markQueued(notification.id, t(5))).toBe(true);

        const claimed = await store.claim(notification.id, t(10), t(40));

        expect(claimed).toMatchObject({ id: notification.id, status: 'PROCESSING', leaseExpiresAt: t(40) });
      });

      it('claims a QUEUED retry only once its nextAttemptAt has come', async () => {
        const claimed = await processing(t(10));
        expect(
          await store.recordAttempt(
            claimed.id,
            claimed,
            record('QUEUED', makeAttempt({ timestamp: t(11) }), t(11), t(20)),
          ),
        ).toBe(true);

        expect(await store.claim(claimed.id, t(19), t(49))).toBeUndefined();
        expect(await store.get(claimed.id)).toMatchObject({ status: 'QUEUED', leaseExpiresAt: null });

        expect(await store.claim(claimed.id, t(20), t(50))).toMatchObject({
          status: 'PROCESSING',
          attempts: 1,
          leaseExpiresAt: t(50),
        });
      });

      it('does not claim a SUCCESS or FAILED notification', async () => {
        const succeeded = await processing(t(10));
        expect(await store.recordAttempt(succeeded.id, succeeded, record('SUCCESS', makeSuccessAttempt(), t(11)))).toBe(
          true,
        );
        const failed = await processing(t(10));
        expect(await store.recordAttempt(failed.id, failed, record('FAILED', makeAttempt(), t(11)))).toBe(true);

        expect(await store.claim(succeeded.id, t(100), t(130))).toBeUndefined();
        expect(await store.claim(failed.id, t(100), t(130))).toBeUndefined();
        expect((await store.get(succeeded.id))?.status).toBe('SUCCESS');
        expect((await store.get(failed.id))?.status).toBe('FAILED');
      });

      it('does not claim a PROCESSING notification whose lease is live', async () => {
        const claimed = await processing(t(10));

        expect(await store.claim(claimed.id, t(10 + LEASE_SECONDS - 1), t(100))).toBeUndefined();
        expect(await store.get(claimed.id)).toMatchObject({ leaseExpiresAt: t(10 + LEASE_SECONDS) });
      });

      it('claims a PROCESSING notification whose lease expired', async () => {
        const claimed = await processing(t(10));

        const reclaimed = await store.claim(claimed.id, t(10 + LEASE_SECONDS + 1), t(100));

        expect(reclaimed).toMatchObject({ status: 'PROCESSING', leaseExpiresAt: t(100), attempts: 0 });
      });

      it('returns undefined for an unknown id', async () => {
        expect(await store.claim('00000000-0000-4000-8000-000000000000', t(1), t(2))).toBeUndefined();
      });

      it('lets exactly one of two concurrent claims win', async () => {
        const notification = await inserted();

        const results = await Promise.all([
          store.claim(notification.id, t(10), t(40)),
          store.claim(notification.id, t(10), t(41)),
        ]);

        const winners = results.filter((result) => result !== undefined);
        expect(winners).toHaveLength(1);
        expect(await store.get(notification.id)).toMatchObject({ leaseExpiresAt: winners[0]?.leaseExpiresAt });
      });
    });

    describe('recordAttempt', () => {
      it('records a retryable failure: QUEUED, counters, result and history in one step', async () => {
        const claimed = await processing(t(10));
        const attempt = makeAttempt({ attempt: 1, timestamp: t(11) });

        const recorded = await store.recordAttempt(claimed.id, claimed, record('QUEUED', attempt, t(12), t(20)));

        expect(recorded).toBe(true);
        const stored = await store.get(claimed.id);
        expect(stored).toMatchObject({
          status: 'QUEUED',
          attempts: 1,
          lastDeliveryAttempt: t(11),
          lastUpdatedAt: t(12),
          nextAttemptAt: t(20),
          deliveredAt: null,
          leaseExpiresAt: null,
        });
        expect(stored?.deliveryResult).toMatchObject(resultOf(attempt));
        expect(await store.listAttempts(claimed.id)).toStrictEqual([attempt]);
      });

      it('sets deliveredAt on SUCCESS only, and keeps the history oldest first', async () => {
        const claimed = await processing(t(10));
        const first = makeAttempt({ attempt: 1, timestamp: t(11) });
        expect(await store.recordAttempt(claimed.id, claimed, record('QUEUED', first, t(12), t(20)))).toBe(true);
        const again = (await store.claim(claimed.id, t(21), t(51))) as Notification;
        expect(again).toMatchObject({ attempts: 1, claimedFrom: 'QUEUED' });
        const second = makeSuccessAttempt({ attempt: 2, timestamp: t(22) });

        expect(await store.recordAttempt(claimed.id, again, record('SUCCESS', second, t(23)))).toBe(true);

        const stored = await store.get(claimed.id);
        expect(stored).toMatchObject({
          status: 'SUCCESS',
          attempts: 2,
          deliveredAt: t(23),
          lastDeliveryAttempt: t(22),
          nextAttemptAt: null,
          leaseExpiresAt: null,
        });
        expect(stored?.deliveryResult).toMatchObject(resultOf(second));
        expect(await store.listAttempts(claimed.id)).toStrictEqual([first, second]);
      });

      it('records a FAILED outcome without deliveredAt', async () => {
        const claimed = await processing(t(10));
        const attempt = makeAttempt({
          category: 'CLIENT_ERROR',
          statusCode: 400,
          retryEligible: false,
          timestamp: t(11),
        });

        expect(await store.recordAttempt(claimed.id, claimed, record('FAILED', attempt, t(12)))).toBe(true);

        expect(await store.get(claimed.id)).toMatchObject({ status: 'FAILED', attempts: 1, deliveredAt: null });
      });

      it('lets only the first of two records with the same claimedAttempts land', async () => {
        const claimed = await processing(t(10));
        const first = makeAttempt({ attempt: 1, timestamp: t(11) });
        const late = makeSuccessAttempt({ attempt: 1, timestamp: t(12) });

        expect(await store.recordAttempt(claimed.id, claimed, record('QUEUED', first, t(12), t(20)))).toBe(true);
        expect(await store.recordAttempt(claimed.id, claimed, record('SUCCESS', late, t(13)))).toBe(false);

        // Even once PROCESSING again, a record from the earlier claim is refused.
        expect(await store.claim(claimed.id, t(21), t(51))).toBeDefined();
        expect(await store.recordAttempt(claimed.id, claimed, record('SUCCESS', late, t(22)))).toBe(false);

        expect(await store.get(claimed.id)).toMatchObject({ status: 'PROCESSING', attempts: 1, deliveredAt: null });
        expect(await store.listAttempts(claimed.id)).toStrictEqual([first]);
      });

      it('lets exactly one of two concurrent records land', async () => {
        const claimed = await processing(t(10));
        const a = makeSuccessAttempt({ timestamp: t(11) });
        const b = makeAttempt({ timestamp: t(11) });

        const results = await Promise.all([
          store.recordAttempt(claimed.id, claimed, record('SUCCESS', a, t(12))),
          store.recordAttempt(claimed.id, claimed, record('FAILED', b, t(12))),
        ]);

        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.get(claimed.id))?.attempts).toBe(1);
        expect(await store.listAttempts(claimed.id)).toHaveLength(1);
      });

      it('fences a stale claim: after its lease lapsed and another worker claimed, its record is refused', async () => {
        const stale = await processing(t(10));
        // The lease (until t(10) + LEASE_SECONDS) lapses; another worker claims the same attempt number.
        const owner = (await store.claim(
          stale.id,
          t(10 + LEASE_SECONDS + 1),
          leaseFrom(t(10 + LEASE_SECONDS + 1)),
        )) as Notification;
        expect(owner).toMatchObject({ status: 'PROCESSING', attempts: 0, claimedFrom: 'PROCESSING' });

        // The stale worker finishes first: refused, though the attempt count still matches.
        const staleAttempt = makeSuccessAttempt({ timestamp: t(10 + LEASE_SECONDS + 2) });
        expect(
          await store.recordAttempt(stale.id, stale, record('SUCCESS', staleAttempt, t(10 + LEASE_SECONDS + 2))),
        ).toBe(false);
        expect(await store.release(stale.id, stale, t(10 + LEASE_SECONDS + 2), null)).toBe(false);

        // The owner's write lands.
        const ownAttempt = makeSuccessAttempt({ timestamp: t(10 + LEASE_SECONDS + 3) });
        expect(
          await store.recordAttempt(owner.id, owner, record('SUCCESS', ownAttempt, t(10 + LEASE_SECONDS + 3))),
        ).toBe(true);
        expect(await store.listAttempts(owner.id)).toStrictEqual([ownAttempt]);
      });

      it('records an attempt and keeps the claim with PROCESSING (an interrupted attempt found by the next claim)', async () => {
        const claimed = await processing(t(10));
        const interrupted = makeAttempt({ attempt: 1, category: 'INTERRUPTED', timestamp: t(11) });
        expect(await store.recordAttempt(claimed.id, claimed, record('PROCESSING', interrupted, t(11)))).toBe(true);
        expect(await store.get(claimed.id)).toMatchObject({
          status: 'PROCESSING',
          attempts: 1,
          leaseExpiresAt: claimed.leaseExpiresAt,
        });
        // The same claim goes on with the next attempt.
        const next = makeSuccessAttempt({ attempt: 2, timestamp: t(12) });
        expect(await store.recordAttempt(claimed.id, { ...claimed, attempts: 1 }, record('SUCCESS', next, t(13)))).toBe(
          true,
        );
        expect((await store.listAttempts(claimed.id))?.map((a) => a.category)).toEqual(['INTERRUPTED', 'SUCCESS']);
      });

      it('refuses a notification that is not PROCESSING', async () => {
        const notification = await inserted();

        expect(
          await store.recordAttempt(notification.id, notification, record('SUCCESS', makeSuccessAttempt(), t(12))),
        ).toBe(false);

        expect(await store.get(notification.id)).toStrictEqual(notification);
        expect(await store.listAttempts(notification.id)).toEqual([]);
        expect(
          await store.recordAttempt(
            '00000000-0000-4000-8000-000000000000',
            { attempts: 0, leaseExpiresAt: t(30) },
            record('FAILED', makeAttempt(), t(1)),
          ),
        ).toBe(false);
      });
    });

    describe('cancel', () => {
      it('cancels a PENDING notification: CANCELLED, final, no longer claimable', async () => {
        const notification = await inserted();

        const cancelled = await store.cancel(notification.id, t(5));

        expect(cancelled).toMatchObject({ id: notification.id, status: 'CANCELLED', attempts: 0, lastUpdatedAt: t(5) });
        expect(await store.get(notification.id)).toMatchObject({ status: 'CANCELLED', nextAttemptAt: null });
        expect(await store.claim(notification.id, t(10), t(40))).toBeUndefined();
        expect((await store.list({ statuses: ['CANCELLED'], limit: 10 })).items.map((n) => n.id)).toEqual([
          notification.id,
        ]);
        expect(await store.listStalePending(t(1000), 10)).toEqual([]);
      });

      it('cancels a QUEUED one, also while it waits for a retry, keeping its attempts and history', async () => {
        const queued = await inserted({ status: 'QUEUED' });
        const retrying = await processing(t(10));
        const attempt = makeAttempt({ attempt: 1, timestamp: t(11) });
        expect(await store.recordAttempt(retrying.id, retrying, record('QUEUED', attempt, t(12), t(100)))).toBe(true);

        expect((await store.cancel(queued.id, t(20)))?.status).toBe('CANCELLED');
        const cancelled = await store.cancel(retrying.id, t(20));

        expect(cancelled).toMatchObject({ status: 'CANCELLED', attempts: 1, nextAttemptAt: null });
        expect(await store.listAttempts(retrying.id)).toEqual([attempt]);
        // Its retry falls due, and still nothing claims it.
        expect(await store.claim(retrying.id, t(200), t(230))).toBeUndefined();
        expect(await store.claim(queued.id, t(200), t(230))).toBeUndefined();
      });

      it('refuses PROCESSING, SUCCESS, FAILED and CANCELLED notifications, and unknown ids', async () => {
        const inFlight = await processing(t(10));
        const succeeded = await processing(t(10));
        expect(
          await store.recordAttempt(
            succeeded.id,
            succeeded,
            record('SUCCESS', makeSuccessAttempt({ timestamp: t(11) }), t(11)),
          ),
        ).toBe(true);
        const failed = await processing(t(10));
        expect(
          await store.recordAttempt(failed.id, failed, record('FAILED', makeAttempt({ timestamp: t(11) }), t(11))),
        ).toBe(true);
        const cancelled = await inserted();
        expect(await store.cancel(cancelled.id, t(5))).toBeDefined();

        for (const n of [inFlight, succeeded, failed, cancelled]) {
          const before = await store.get(n.id);
          expect(await store.cancel(n.id, t(20)), before?.status).toBeUndefined();
          expect(await store.get(n.id)).toStrictEqual(before);
        }
        expect(await store.cancel('00000000-0000-4000-8000-000000000000', t(20))).toBeUndefined();
        expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
      });

      it('lets exactly one of a cancel and a claim racing on one notification win', async () => {
        for (let round = 0; round < 5; round++) {
          const notification = await inserted({ status: 'QUEUED' });
          const [cancelled, claimed] = await Promise.all([
            store.cancel(notification.id, t(10)),
            store.claim(notification.id, t(10), t(40)),
          ]);
          expect([cancelled === undefined, claimed === undefined].sort()).toEqual([false, true]);
          expect((await store.get(notification.id))?.status).toBe(cancelled ? 'CANCELLED' : 'PROCESSING');
        }
      });
    });

    describe('reopen', () => {
      async function failedTwice(): Promise<{ id: string; attempts: DeliveryAttempt[] }> {
        const claimed = await processing(t(10), { maxAttempts: 2 });
        const first = makeAttempt({ attempt: 1, timestamp: t(11) });
        const second = makeAttempt({ attempt: 2, timestamp: t(31) });
        expect(await store.recordAttempt(claimed.id, claimed, record('QUEUED', first, t(12), t(20)))).toBe(true);
        const again = (await store.claim(claimed.id, t(30), t(60))) as Notification;
        expect(again).toBeDefined();
        expect(await store.recordAttempt(claimed.id, again, record('FAILED', second, t(32)))).toBe(true);
        return { id: claimed.id, attempts: [first, second] };
      }

      it('moves FAILED to PENDING with a fresh budget, keeping attempts and history', async () => {
        const { id, attempts } = await failedTwice();

        const reopened = await store.reopen(id, t(100));

        expect(reopened).toMatchObject({
          id,
          status: 'PENDING',
          attempts: 2,
          attemptBudgetStart: 2,
          maxAttempts: 2,
          lastUpdatedAt: t(100),
          nextAttemptAt: null,
          leaseExpiresAt: null,
          lastDeliveryAttempt: t(31),
        });
        expect(reopened?.deliveryResult).toMatchObject(resultOf(attempts[1] as DeliveryAttempt));
        expect(await store.get(id)).toStrictEqual(reopened);
        expect(await store.listAttempts(id)).toStrictEqual(attempts);
      });

      it('reopens once: a second reopen finds it PENDING', async () => {
        const { id } = await failedTwice();
        expect(await store.reopen(id, t(100))).toBeDefined();
        expect(await store.reopen(id, t(101))).toBeUndefined();
        expect((await store.get(id))?.lastUpdatedAt).toBe(t(100));
      });

      it('refuses anything but FAILED', async () => {
        const pending = await inserted();
        const succeeded = await processing(t(10));
        expect(await store.recordAttempt(succeeded.id, succeeded, record('SUCCESS', makeSuccessAttempt(), t(11)))).toBe(
          true,
        );

        expect(await store.reopen(pending.id, t(100))).toBeUndefined();
        expect(await store.reopen(succeeded.id, t(100))).toBeUndefined();
        expect(await store.reopen('00000000-0000-4000-8000-000000000000', t(100))).toBeUndefined();
        expect(await store.get(pending.id)).toStrictEqual(pending);
        expect((await store.get(succeeded.id))?.status).toBe('SUCCESS');
      });

      it('lets the reopened notification be claimed and recorded again', async () => {
        const { id } = await failedTwice();
        expect(await store.reopen(id, t(100))).toBeDefined();

        const claim = (await store.claim(id, t(101), t(131))) as Notification;
        expect(claim).toMatchObject({ status: 'PROCESSING', attempts: 2 });
        const third = makeSuccessAttempt({ attempt: 3, timestamp: t(102) });
        expect(await store.recordAttempt(id, claim, record('SUCCESS', third, t(103)))).toBe(true);

        expect(await store.get(id)).toMatchObject({ status: 'SUCCESS', attempts: 3, attemptBudgetStart: 2 });
        expect((await store.listAttempts(id))?.map((a) => a.attempt)).toEqual([1, 2, 3]);
      });
    });

    describe('list', () => {
      /** Seven notifications created a second apart, the 3rd and 4th at the same instant. */
      async function seven(): Promise<Notification[]> {
        const created = [0, 1, 2, 2, 4, 5, 6];
        const all: Notification[] = [];
        for (const seconds of created) all.push(await inserted({ createdAt: t(seconds) }));
        return all;
      }

      it('returns newest first', async () => {
        const all = await seven();

        const page = await store.list({ limit: 100 });

        expect(page.nextCursor).toBeUndefined();
        expect(page.items).toHaveLength(7);
        const createdAts = page.items.map((n) => n.createdAt);
        expect(createdAts).toEqual([...createdAts].sort().reverse());
        expect(page.items[0]?.id).toBe(all[6]?.id);
        expect(page.items[6]?.id).toBe(all[0]?.id);
        expect(page.items[0]).toStrictEqual(listed(all[6] as Notification));
      });

      it('carries no body, small or large: a listing does not read them; the record by id has it', async () => {
        const [{ body: large }] = largeBodies(20 * 1024);
        const small = await inserted({ createdAt: t(0), body: { small: true } });
        const big = await inserted({ createdAt: t(1), body: large });
        const failed = await processing(t(10), { createdAt: t(2), body: 'failed' });
        expect(await store.recordAttempt(failed.id, failed, record('FAILED', makeAttempt(), t(11)))).toBe(true);
        const stored = await Promise.all(
          [failed, big, small].map(async (n) => (await store.get(n.id)) as Notification),
        );

        const listings = [
          await store.list({ limit: 10 }),
          await store.list({ statuses: ['PENDING'], limit: 10 }),
          await store.list({ statuses: ['FAILED'], limit: 10 }),
          await store.list({ destination: small.destination, limit: 10 }),
        ];

        expect(listings.map((page) => page.items)).toStrictEqual([
          stored.map(listed),
          [big, small].map((n) => listed(stored.find((s) => s.id === n.id) as Notification)),
          [listed(stored[0] as Notification)],
          stored.map(listed),
        ]);
        for (const item of listings.flatMap((page) => page.items)) expect(item).not.toHaveProperty('body');
        expect(stored.map((n) => n.body)).toStrictEqual(['failed', large, { small: true }]);
      });

      it('pages with limit and cursor without duplicates or gaps', async () => {
        const all = await seven();
        const full = await store.list({ limit: 100 });

        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ limit: 3, ...(cursor === undefined ? {} : { cursor }) });
          expect(page.items.length).toBeLessThanOrEqual(3);
          if (pages === 0) expect(page.items).toHaveLength(3);
          seen.push(...page.items.map((n) => n.id));
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== undefined && pages < 10);

        expect(cursor).toBeUndefined();
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(full.items.map((n) => n.id));
        expect([...seen].sort()).toEqual(all.map((n) => n.id).sort());
      });

      it('filters by status', async () => {
        const all = await seven();
        const queued = [all[1], all[3], all[5]] as Notification[];
        for (const n of queued) expect(await store.markQueued(n.id, t(50))).toBe(true);

        const page = await store.list({ statuses: ['QUEUED'], limit: 100 });
        const pending = await store.list({ statuses: ['PENDING'], limit: 100 });
        const failed = await store.list({ statuses: ['FAILED'], limit: 100 });

        expect(page.items.map((n) => n.id)).toEqual(queued.map((n) => n.id).reverse());
        expect(page.items.every((n) => n.status === 'QUEUED')).toBe(true);
        expect(pending.items).toHaveLength(4);
        expect(pending.items.every((n) => n.status === 'PENDING')).toBe(true);
        expect(failed.items).toEqual([]);
      });

      it('pages a status filter too', async () => {
        const all = await seven();
        for (const n of all) expect(await store.markQueued(n.id, t(50))).toBe(true);

        const first = await store.list({ statuses: ['QUEUED'], limit: 4 });
        expect(first.items).toHaveLength(4);
        expect(first.nextCursor).toBeDefined();
        const second = await store.list({ statuses: ['QUEUED'], limit: 4, cursor: first.nextCursor as string });

        const ids = [...first.items, ...second.items].map((n) => n.id);
        expect(ids).toHaveLength(7);
        expect(new Set(ids).size).toBe(7);
      });

      /** Every page of a listing, following nextCursor (at most 20 pages). */
      async function allPages(query: Omit<ListQuery, 'cursor'>): Promise<ListedNotification[]> {
        const items: ListedNotification[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
          items.push(...page.items);
          cursor = page.nextCursor;
          pages++;
        } while (cursor !== undefined && pages < 20);
        expect(cursor).toBeUndefined();
        return items;
      }

      /** Ten notifications a second apart over two vendors, in four statuses; the mix the filters narrow. */
      async function mixed() {
        const a = 'https://a.example';
        const b = 'https://b.example:8443';
        const all: Notification[] = [];
        for (let i = 0; i < 10; i++) all.push(await inserted({ createdAt: t(i), url: `${i % 2 === 0 ? a : b}/hook` }));
        const at = (i: number) => all[i] as Notification;
        for (const i of [1, 2, 5]) expect(await store.markQueued(at(i).id, t(20))).toBe(true);
        for (const i of [3, 4, 7]) {
          const claimed = await store.claim(at(i).id, t(20), leaseFrom(t(20)));
          expect(claimed?.status).toBe('PROCESSING');
          const attempt = makeAttempt({ attempt: 1, timestamp: t(21), retryEligible: false });
          expect(await store.recordAttempt(at(i).id, claimed as Notification, record('FAILED', attempt, t(21)))).toBe(
            true,
          );
        }
        const claimed = await store.claim(at(9).id, t(20), leaseFrom(t(20)));
        expect(claimed?.status).toBe('PROCESSING');
        expect(
          await store.recordAttempt(
            at(9).id,
            claimed as Notification,
            record('SUCCESS', makeSuccessAttempt({ attempt: 1, timestamp: t(21) }), t(21)),
          ),
        ).toBe(true);
        // Newest first, as every listing returns them.
        const ids = (indexes: number[]) => [...indexes].reverse().map((i) => at(i).id);
        return { a, b, all, ids };
      }

      it('filters by a comma list of statuses, FAILED alone and FAILED with others', async () => {
        const { ids } = await mixed();

        const pick = async (statuses: Notification['status'][], limit = 2) =>
          (await allPages({ statuses, limit })).map((n) => n.id);

        expect(await pick(['QUEUED', 'FAILED'])).toEqual(ids([1, 2, 3, 4, 5, 7]));
        expect(await pick(['FAILED'], 1)).toEqual(ids([3, 4, 7]));
        expect(await pick(['SUCCESS', 'PENDING'], 100)).toEqual(ids([0, 6, 8, 9]));
        expect(await pick(['PROCESSING'])).toEqual([]);
        expect(await pick([], 3)).toHaveLength(10);
      });

      it('filters by destination, alone and with statuses', async () => {
        const { a, b, ids } = await mixed();

        expect((await allPages({ destination: a, limit: 2 })).map((n) => n.id)).toEqual(ids([0, 2, 4, 6, 8]));
        expect((await allPages({ destination: b, limit: 100 })).map((n) => n.id)).toEqual(ids([1, 3, 5, 7, 9]));
        const failedOfB = await allPages({ destination: b, statuses: ['FAILED'], limit: 1 });
        expect(failedOfB.map((n) => n.id)).toEqual(ids([3, 7]));
        expect(failedOfB.every((n) => n.destination === b && n.status === 'FAILED')).toBe(true);
        expect(await allPages({ destination: 'https://c.example', limit: 10 })).toEqual([]);
      });

      it('filters by created range: createdAfter inclusive, createdBefore exclusive, with other filters', async () => {
        const { a, ids } = await mixed();

        const range = { createdAfter: t(2), createdBefore: t(7) };
        expect((await allPages({ ...range, limit: 2 })).map((n) => n.id)).toEqual(ids([2, 3, 4, 5, 6]));
        expect((await allPages({ createdAfter: t(8), limit: 10 })).map((n) => n.id)).toEqual(ids([8, 9]));
        expect((await allPages({ createdBefore: t(1), limit: 10 })).map((n) => n.id)).toEqual(ids([0]));
        expect((await allPages({ ...range, statuses: ['FAILED'], limit: 1 })).map((n) => n.id)).toEqual(ids([3, 4]));
        expect((await allPages({ ...range, destination: a, limit: 1 })).map((n) => n.id)).toEqual(ids([2, 4, 6]));
        const everything = { ...range, destination: a, statuses: ['FAILED', 'PENDING'] as Notification['status'][] };
        expect((await allPages({ ...everything, limit: 1 })).map((n) => n.id)).toEqual(ids([4, 6]));
        expect(await allPages({ createdAfter: t(100), limit: 10 })).toEqual([]);
      });

      it('ties a cursor to its filters: another filter set refuses it, the same statuses in any order accept it', async () => {
        const { a } = await mixed();
        const queuedOrFailed = await store.list({ statuses: ['QUEUED', 'FAILED'], limit: 2 });
        const cursor = queuedOrFailed.nextCursor as string;
        expect(cursor).toEqual(expect.any(String));

        const others: Omit<ListQuery, 'cursor' | 'limit'>[] = [
          {},
          { statuses: ['QUEUED'] },
          { statuses: ['QUEUED', 'FAILED'], destination: a },
          { statuses: ['QUEUED', 'FAILED'], createdAfter: t(0) },
          { statuses: ['QUEUED', 'FAILED'], createdBefore: t(60) },
        ];
        for (const other of others) {
          await expect(store.list({ ...other, limit: 2, cursor }), JSON.stringify(other)).rejects.toBeInstanceOf(
            InvalidCursorError,
          );
        }
        const reordered = await store.list({ statuses: ['FAILED', 'QUEUED'], limit: 2, cursor });
        expect(reordered.items.map((n) => n.status).every((s) => s === 'QUEUED' || s === 'FAILED')).toBe(true);
        expect(reordered.items.map((n) => n.id)).not.toContain(queuedOrFailed.items[0]?.id);
      });

      it('rejects a cursor it did not issue', async () => {
        await seven();
        const foreign = Buffer.from(JSON.stringify({ x: 1 })).toString('base64url');
        await expect(store.list({ limit: 3, cursor: 'not a cursor!' })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.list({ limit: 3, cursor: foreign })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('stats', () => {
      it('counts by status what it counts at all, exactly; FAILED always; the oldest due time when exact', async () => {
        const pending = [await inserted({ createdAt: t(3) }), await inserted({ createdAt: t(1) })];
        const queued = await inserted({ status: 'QUEUED', createdAt: t(2) });
        const retrying = await processing(t(10));
        const attempt = makeAttempt({ attempt: 1, timestamp: t(11) });
        expect(await store.recordAttempt(retrying.id, retrying, record('QUEUED', attempt, t(12), t(100)))).toBe(true);
        await processing(t(10));
        const succeeded = await processing(t(10));
        expect(
          await store.recordAttempt(
            succeeded.id,
            succeeded,
            record('SUCCESS', makeSuccessAttempt({ timestamp: t(11) }), t(11)),
          ),
        ).toBe(true);
        for (let i = 0; i < 2; i++) {
          const failed = await processing(t(10));
          const refused = makeAttempt({ timestamp: t(11), retryEligible: false });
          expect(await store.recordAttempt(failed.id, failed, record('FAILED', refused, t(11)))).toBe(true);
        }
        expect(await store.cancel(pending[0]?.id as string, t(20))).toBeDefined();

        const stats = await store.stats(t(50));

        const truth = { PENDING: 1, QUEUED: 2, PROCESSING: 1, SUCCESS: 1, FAILED: 2, CANCELLED: 1 };
        for (const [status, count] of Object.entries(truth)) {
          const counted = stats.byStatus[status as keyof typeof truth];
          expect(counted === null || counted === count, `${status}: ${counted}`).toBe(true);
          if (stats.exact) expect(counted, status).toBe(count);
        }
        expect(Object.keys(stats.byStatus).sort()).toEqual(Object.keys(truth).sort());
        expect(stats.byStatus.FAILED).toBe(2);
        if (stats.exact) {
          // The PENDING one created at t(1) has waited longest; the QUEUED one (t(2)) next; the retry is not due.
          expect(stats.oldestDueAt).toBe(t(1));
          expect((await store.stats(t(0))).oldestDueAt).toBeNull();
          expect((await store.stats(t(2))).oldestDueAt).toBe(t(1));
        } else {
          expect(stats.oldestDueAt).toBeNull();
        }
        expect(queued.status).toBe('QUEUED');
      });

      it('leaves out of the oldest due time what waits on a destination an operator paused', async () => {
        await inserted({ url: 'https://paused.example/hook', createdAt: t(1) });
        await inserted({ url: 'https://open.example/hook', createdAt: t(3) });
        const exact = (await store.stats(t(50))).exact;
        if (exact) expect((await store.stats(t(50))).oldestDueAt).toBe(t(1));
        const paused = { ...newDestinationRecord('https://paused.example'), paused: true };
        expect(await harness.destinations.put(paused, 0)).toBeDefined();

        const stats = await store.stats(t(50));

        expect(stats.oldestDueAt).toBe(exact ? t(3) : null);
        expect(stats.byStatus.PENDING ?? 2).toBe(2);
      });
    });

    describe('listStalePending', () => {
      it('returns PENDING notifications last updated before the cutoff, oldest first, up to the limit', async () => {
        const older = await inserted({ createdAt: t(1) });
        const old = await inserted({ createdAt: t(3) });
        const atCutoff = await inserted({ createdAt: t(5) });
        await inserted({ createdAt: t(9) });
        const queued = await inserted({ createdAt: t(0) });
        expect(await store.markQueued(queued.id, t(2))).toBe(true);
        const claimed = await inserted({ createdAt: t(0) });
        expect(await store.claim(claimed.id, t(2), t(3))).toBeDefined();

        expect(await store.listStalePending(t(5), 10)).toEqual([older.id, old.id]);
        expect(await store.listStalePending(t(6), 10)).toEqual([older.id, old.id, atCutoff.id]);
        expect(await store.listStalePending(t(6), 2)).toEqual([older.id, old.id]);
        expect(await store.listStalePending(t(0), 10)).toEqual([]);
      });

      it('includes a reopened notification by the time it was reopened', async () => {
        const claimed = await processing(t(10), { createdAt: t(0) });
        expect(await store.recordAttempt(claimed.id, claimed, record('FAILED', makeAttempt(), t(11)))).toBe(true);
        expect(await store.reopen(claimed.id, t(100))).toBeDefined();

        expect(await store.listStalePending(t(100), 10)).toEqual([]);
        expect(await store.listStalePending(t(101), 10)).toEqual([claimed.id]);
      });
    });
  });
}
