import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import type { RunningService, StartService } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

const FINAL = ['SUCCESS', 'FAILED', 'CANCELLED'];

/**
 * Retry-After up to a minute is honoured, so a notification can be caught waiting for its retry;
 * aws-local runs its sweeper (which advances bulk recoveries) every second instead of every minute.
 */
export const OPERATORS_TEST_ENV: Record<string, string> = {
  HERALD_RETRY_MAX_DELAY_MS: '60000',
  HERALD_LOCAL_SWEEP_INTERVAL_MS: '1000',
};

/**
 * The operators' tools through the real HTTP API: list filters (and their cursors), cancel, stats,
 * batch ingest, bulk recovery. Runs unchanged
 * against every mode.
 */
export function describeOperatorsE2E(mode: string, start: StartService): void {
  describe(`operators end to end (${mode})`, () => {
    let service: RunningService;
    let herald: HeraldClient;
    let one: Vendor;
    let other: Vendor;

    beforeAll(async () => {
      [one, other] = await Promise.all([startVendor(), startVendor()]);
      service = await start(OPERATORS_TEST_ENV);
      herald = new HeraldClient(service.baseUrl);
    });
    afterAll(async () => {
      await service?.stop();
      await one?.close();
      await other?.close();
    });

    const send = async (notification: Record<string, unknown>) => {
      const res = await herald.send(notification);
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((n) => n.id);
    /** Every page of a listing, following nextCursor. */
    const everyPage = async (query: string) => {
      const found: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const res = await herald.call('GET', `/v1/notifications?${query}${suffix}`);
        expect(res.status, query).toBe(200);
        found.push(...ids(res));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 50);
      return found;
    };

    it('filters the listing by status list, destination and created range, each cursor tied to its filters', async () => {
      const before = new Date(Date.now() - 1000).toISOString();
      const delivered = [await send({ url: `${one.url}/ok` }), await send({ url: `${one.url}/ok` })];
      const refused = await send({ url: `${one.url}/status/400`, maxAttempts: 1 });
      const elsewhere = [
        await send({ url: `${other.url}/ok` }),
        await send({ url: `${other.url}/status/404`, maxAttempts: 1 }),
      ];
      for (const id of [...delivered, refused, ...elsewhere]) await herald.waitForStatus(id, FINAL, 30_000);
      const after = new Date(Date.now() + 1000).toISOString();
      const ofOne = `destination=${encodeURIComponent(one.url)}`;
      const range = `createdAfter=${encodeURIComponent(before)}&createdBefore=${encodeURIComponent(after)}`;

      expect((await everyPage(`${ofOne}&limit=1`)).sort()).toEqual([...delivered, refused].sort());
      expect(await everyPage(`${ofOne}&status=FAILED`)).toEqual([refused]);
      expect((await everyPage(`status=FAILED&${range}`)).sort()).toEqual([refused, elsewhere[1]].sort());
      expect((await everyPage(`status=SUCCESS,FAILED&${range}&limit=2`)).sort()).toEqual(
        [...delivered, refused, ...elsewhere].sort(),
      );
      expect(await everyPage(`createdBefore=${encodeURIComponent(before)}&${ofOne}`)).toEqual([]);

      const firstPage = await herald.call('GET', `/v1/notifications?${ofOne}&limit=1`);
      expect(firstPage.body.nextCursor).toEqual(expect.any(String));
      const foreign = await herald.call(
        'GET',
        `/v1/notifications?status=SUCCESS&limit=1&cursor=${encodeURIComponent(firstPage.body.nextCursor)}`,
      );
      expect([foreign.status, foreign.body.code, foreign.body.errors?.[0]?.field]).toEqual([
        400,
        'VALIDATION_ERROR',
        'cursor',
      ]);
      const unknown = await herald.call('GET', '/v1/notifications?state=FAILED');
      expect([unknown.status, unknown.body.errors?.[0]?.field]).toEqual([400, 'state']);
      expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    }, 90_000);

    it('lists notifications without their body; the record by id has it', async () => {
      const small = { order: 42, note: 'small' };
      const large = 'x'.repeat(20 * 1024);
      const sent = [
        await send({ url: `${one.url}/ok`, body: small }),
        await send({ url: `${one.url}/ok`, body: large }),
      ];

      const listed = await herald.call('GET', `/v1/notifications?destination=${encodeURIComponent(one.url)}&limit=100`);
      expect(listed.status).toBe(200);
      const items = (listed.body.items as Record<string, unknown>[]).filter((n) => sent.includes(n.id as string));
      expect(items.map((n) => n.id).sort()).toEqual([...sent].sort());
      for (const item of items) {
        expect(item).not.toHaveProperty('body');
        expect(item.url).toBe(`${one.url}/ok`);
      }
      expect((await herald.call('GET', `/v1/notifications/${sent[0]}`)).body.body).toEqual(small);
      expect((await herald.call('GET', `/v1/notifications/${sent[1]}`)).body.body).toBe(large);
    });

    it('cancels a notification waiting for its retry: 200 CANCELLED, no further attempt; 409 from a final status, 404', async () => {
      const vendor = await startVendor();
      try {
        // 429 with Retry-After: 5 on the first attempt: the notification waits, QUEUED, for five seconds.
        const waiting = await send({ url: `${vendor.url}/retry-after/5`, maxAttempts: 3 });
        await waitFor(
          async () => {
            const body = (await herald.get(waiting)).body;
            return body.status === 'QUEUED' && body.attempts === 1 ? true : undefined;
          },
          { what: 'the first attempt to be recorded', timeoutMs: 20_000 },
        );

        const cancelled = await herald.call('POST', `/v1/notifications/${waiting}/cancel`);
        expect(cancelled.status).toBe(200);
        expect(cancelled.body).toMatchObject({ id: waiting, status: 'CANCELLED', attempts: 1, nextAttemptAt: null });

        const again = await herald.call('POST', `/v1/notifications/${waiting}/cancel`);
        expect([again.status, again.body.code]).toEqual([409, 'INVALID_STATE']);
        const unknown = await herald.call('POST', '/v1/notifications/no-such-id/cancel');
        expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
        const retried = await herald.call('POST', `/v1/notifications/${waiting}/retry`);
        expect([retried.status, retried.body.code]).toEqual([409, 'INVALID_STATE']);

        // The destination's Retry-After hold covers this one too: once it is delivered, the cancelled
        // one's retry was due as well, and it was never attempted again.
        const next = await send({ url: `${vendor.url}/ok` });
        expect((await herald.waitForStatus(next, FINAL, 30_000)).status).toBe('SUCCESS');
        const delivered = await herald.call('POST', `/v1/notifications/${next}/cancel`);
        expect([delivered.status, delivered.body.code]).toEqual([409, 'INVALID_STATE']);
        expect(vendor.requestsFor(waiting)).toHaveLength(1);
        expect((await herald.get(waiting)).body).toMatchObject({ status: 'CANCELLED', attempts: 1 });
        expect(ids(await herald.call('GET', `/v1/notifications?status=CANCELLED`))).toContain(waiting);
      } finally {
        await vendor.close();
      }
    }, 90_000);

    it('ingests a batch: each item on its own, results in input order, every accepted one delivered', async () => {
      const key = `batch-${mode.replace(/[^A-Za-z0-9]+/g, '-')}`;
      const earlier = await herald.send({ url: `${one.url}/ok`, idempotencyKey: key, body: 'first' });
      expect(earlier.status).toBe(202);
      const res = await herald.call('POST', '/v1/notifications/batch', {
        json: {
          notifications: [
            { url: `${one.url}/ok`, body: 'a' },
            { url: 'ftp://nope.example/x' },
            { url: `${one.url}/ok`, idempotencyKey: key, body: 'first' },
            { url: `${one.url}/ok`, idempotencyKey: key, body: 'changed' },
            { url: `${other.url}/ok`, body: 'b' },
          ],
        },
      });
      expect(res.status).toBe(200);
      const results = res.body.results as { status: number; notification?: { id: string }; error?: { code: string } }[];
      expect(results.map((r) => r.status)).toEqual([202, 400, 200, 409, 202]);
      expect(results.map((r) => r.error?.code ?? null)).toEqual([
        null,
        'VALIDATION_ERROR',
        null,
        'IDEMPOTENCY_CONFLICT',
        null,
      ]);
      expect(results[2]?.notification?.id).toBe(earlier.body.id);
      for (const index of [0, 4]) {
        const id = results[index]?.notification?.id as string;
        expect((await herald.waitForStatus(id, FINAL, 30_000)).status).toBe('SUCCESS');
      }
      expect(one.requestsFor(results[0]?.notification?.id as string)[0]?.body).toBe('a');

      const tooMany = await herald.call('POST', '/v1/notifications/batch', {
        json: { notifications: Array.from({ length: 101 }, () => ({ url: `${one.url}/ok` })) },
      });
      expect([tooMany.status, tooMany.body.errors?.[0]?.field]).toEqual([400, 'notifications']);
      const tooLarge = await herald.call('POST', '/v1/notifications/batch', {
        json: { notifications: [{ url: `${one.url}/ok`, body: 'x'.repeat(300 * 1024) }] },
      });
      expect([tooLarge.status, tooLarge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    }, 60_000);

    it('recovers the FAILED notifications of a destination in bulk, through the normal retry', async () => {
      const vendor = await startVendor();
      try {
        const failing = [];
        for (let i = 0; i < 3; i++) failing.push(await send({ url: `${vendor.url}/status/400`, maxAttempts: 1 }));
        const delivered = await send({ url: `${vendor.url}/ok` });
        for (const id of [...failing, delivered]) await herald.waitForStatus(id, FINAL, 30_000);

        const started = await herald.call('POST', '/v1/recoveries', { json: { destination: vendor.url } });
        expect(started.status).toBe(202);
        expect(started.body).toMatchObject({ state: 'RUNNING', filter: { status: 'FAILED', destination: vendor.url } });
        const done = await waitFor(
          async () => {
            const res = await herald.call('GET', started.headers.location as string);
            expect(res.status).toBe(200);
            return res.body.state === 'RUNNING' ? undefined : res.body;
          },
          { what: 'the recovery to finish', timeoutMs: 30_000 },
        );

        expect(done).toMatchObject({ state: 'DONE', matched: 3, retried: 3, skipped: 0, error: null });
        // Each failed again (the vendor still answers 400) after a second attempt; the delivered one was left alone.
        for (const id of failing) {
          await waitFor(async () => ((await herald.get(id)).body.attempts === 2 ? true : undefined), {
            what: `${id}'s second attempt`,
            timeoutMs: 30_000,
          });
          expect((await herald.waitForStatus(id, FINAL, 30_000)).status).toBe('FAILED');
          expect(vendor.requestsFor(id)).toHaveLength(2);
        }
        expect(vendor.requestsFor(delivered)).toHaveLength(1);

        const refused = await herald.call('POST', '/v1/recoveries', { json: { status: 'QUEUED' } });
        expect([refused.status, refused.body.errors?.[0]?.field]).toEqual([400, 'status']);
        expect((await herald.call('GET', '/v1/recoveries/no-such-job')).status).toBe(404);
      } finally {
        await vendor.close();
      }
    }, 90_000);

    it('answers stats: a failure and a paused destination show; exact counts in the single process only', async () => {
      const vendor = await startVendor();
      try {
        const before = (await herald.call('GET', '/v1/stats')).body;
        const failed = await send({ url: `${vendor.url}/status/400`, maxAttempts: 1 });
        await herald.waitForStatus(failed, ['FAILED'], 30_000);
        const destination = `/v1/destinations/${encodeURIComponent(vendor.url)}`;
        expect((await herald.call('POST', `${destination}/pause`)).status).toBe(200);

        // Destinations are counted at most every few seconds: the pause shows within that time.
        const stats = await waitFor(
          async () => {
            const res = await herald.call('GET', '/v1/stats');
            expect(res.status).toBe(200);
            return res.body.destinations.PAUSED === before.destinations.PAUSED + 1 ? res.body : undefined;
          },
          { timeoutMs: 15_000, what: 'the paused destination in the stats' },
        );
        expect(stats.byStatus.FAILED).toBe(before.byStatus.FAILED + 1);
        expect(stats.unhealthyDestinations).toContainEqual({ destination: vendor.url, state: 'PAUSED' });
        expect(Object.keys(stats.byStatus).sort()).toEqual(
          ['CANCELLED', 'FAILED', 'PENDING', 'PROCESSING', 'QUEUED', 'SUCCESS'].sort(),
        );
        if (stats.exact) {
          const total = Object.values(stats.byStatus as Record<string, number>).reduce((sum, n) => sum + n, 0);
          expect(total).toBe((await everyPage('limit=100')).length);
          expect(stats.byStatus.SUCCESS).toBe((await everyPage('status=SUCCESS&limit=100')).length);
        } else {
          // AWS mode: the queue's approximate depth for the statuses it can see, nothing for the rest.
          expect(stats.byStatus.QUEUED).toEqual(expect.any(Number));
          expect(stats.byStatus.PROCESSING).toEqual(expect.any(Number));
          expect([stats.byStatus.SUCCESS, stats.byStatus.PENDING, stats.oldestDueAt]).toEqual([null, null, null]);
        }
        expect((await herald.call('POST', `${destination}/resume`)).status).toBe(200);
      } finally {
        await vendor.close();
      }
    }, 60_000);
  });
}
