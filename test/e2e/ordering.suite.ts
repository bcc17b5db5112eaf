import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import { orderViolations } from '../helpers/ordering.js';
import type { RunningService, StartService } from '../helpers/services.js';
import { vendorsPerTest } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

const FINAL = ['SUCCESS', 'FAILED', 'CANCELLED'];
const KEYS = 8;
const PER_KEY = 6;

/**
 * Ordered delivery through the real HTTP API with real vendor servers, unchanged in every mode: per
 * key, the vendor never sees a notification before the one accepted ahead of it has succeeded, and
 * different keys are delivered side by side.
 */
export function describeOrderingE2E(mode: string, start: StartService): void {
  describe(`ordered delivery end to end (${mode})`, () => {
    let service: RunningService;
    let herald: HeraldClient;
    const vendor = vendorsPerTest();
    const run = Date.now().toString(36);

    beforeAll(async () => {
      service = await start({
        HERALD_DELIVERY_CONCURRENCY: '16',
        HERALD_DESTINATION_CONCURRENCY: '16',
        // Retries here are the point; an open breaker would only slow them down.
        HERALD_BREAKER_FAILURES: '1000',
      });
      herald = new HeraldClient(service.baseUrl);
    });
    afterAll(async () => {
      await service?.stop();
    });

    /** Sends and returns the id, once the 202 is in: the next of its key is sent after it. */
    const accept = async (notification: Record<string, unknown>) => {
      const res = await herald.send(notification);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body.id as string;
    };
    const finalOf = async (ids: string[], timeoutMs = 60_000) =>
      Promise.all(ids.map(async (id) => (await herald.waitForStatus(id, FINAL, timeoutMs)).status as string));

    it(`keeps ${KEYS} interleaved keys in order through a vendor failing a third of first attempts, keys side by side`, async () => {
      const flaky = await vendor();
      const lines = new Map<string, string[]>();
      const unordered: string[] = [];
      // Each key's notifications are sent one after another (each after the previous one's 202), the
      // keys and some unordered notifications all at once.
      await Promise.all([
        ...Array.from({ length: KEYS }, async (_, k) => {
          const key = `${run}-customer-${k}`;
          const ids: string[] = [];
          lines.set(key, ids);
          for (let i = 0; i < PER_KEY; i++) {
            ids.push(await accept({ url: `${flaky.url}/flaky`, orderingKey: key, body: { k, i }, maxAttempts: 10 }));
          }
        }),
        ...Array.from({ length: 10 }, async (_, i) => {
          unordered.push(await accept({ url: `${flaky.url}/flaky`, body: { i }, maxAttempts: 10 }));
        }),
      ]);

      const ordered = [...lines.values()].flat();
      expect(await finalOf([...ordered, ...unordered])).toEqual([...ordered, ...unordered].map(() => 'SUCCESS'));
      expect(orderViolations(lines, flaky.requests)).toEqual([]);
      // Retries happened (the order held through them), and keys overlapped in time.
      expect(flaky.requests.some((r) => r.statusCode === 503)).toBe(true);
      expect(flaky.maxInFlight).toBeGreaterThan(1);
      const first = await herald.get(ordered[0] as string);
      expect(first.body.orderingKey).toBe(`${run}-customer-0`);
    }, 120_000);

    it('lets the next go when the one ahead ends FAILED, and a retry by hand puts it at the end of the line', async () => {
      const v = await vendor();
      const key = `${run}-failing-head`;
      const head = await accept({ url: `${v.url}/status/400`, orderingKey: key, maxAttempts: 1 });
      const next = await accept({ url: `${v.url}/switch`, orderingKey: key, maxAttempts: 25 });
      expect((await herald.waitForStatus(head, ['FAILED'], 30_000)).status).toBe('FAILED');
      await waitFor(() => (v.requestsFor(next).length > 0 ? true : undefined), { what: 'the next to be tried' });

      // `next` now retries (503 until the switch flips): the head, retried by hand, waits behind it.
      const retried = await herald.call('POST', `/v1/notifications/${head}/retry`);
      expect(retried.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(v.requestsFor(head)).toHaveLength(1);
      v.healthy = true;
      expect(await finalOf([next, head])).toEqual(['SUCCESS', 'FAILED']);
      const nextDone = v.requestsFor(next).find((r) => r.statusCode === 200);
      const headAgain = v.requestsFor(head)[1];
      expect(headAgain?.arrivedAt).toBeGreaterThanOrEqual(nextDone?.answeredAt ?? Number.POSITIVE_INFINITY);
    }, 60_000);

    it('holds a key behind a paused destination without reordering it, across destinations', async () => {
      const paused = await vendor();
      const other = await vendor();
      const key = `${run}-paused`;
      const path = `/v1/destinations/${encodeURIComponent(paused.url)}`;
      // A destination is known once it was sent to.
      const known = await accept({ url: `${paused.url}/ok` });
      await herald.waitForStatus(known, ['SUCCESS'], 30_000);
      expect((await herald.call('POST', `${path}/pause`)).status).toBe(200);
      const ids = [
        await accept({ url: `${paused.url}/ok`, orderingKey: key }),
        await accept({ url: `${other.url}/ok`, orderingKey: key }),
        await accept({ url: `${paused.url}/ok`, orderingKey: key }),
      ];
      const free = await accept({ url: `${other.url}/ok` });
      expect((await herald.waitForStatus(free, ['SUCCESS'], 30_000)).status).toBe('SUCCESS');
      expect(other.requestsFor(ids[1] as string)).toEqual([]); // behind the paused head
      expect(paused.requests).toHaveLength(1); // the one that made it known

      expect((await herald.call('POST', `${path}/resume`)).status).toBe(200);
      expect(await finalOf(ids)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
      expect(orderViolations(new Map([[key, ids]]), [...paused.requests, ...other.requests])).toEqual([]);
      expect(paused.requestsFor(ids[0] as string)).toHaveLength(1);
    }, 90_000);

    it('refuses an ordering key that is empty, too long or not printable, naming the field', async () => {
      const v = await vendor();
      for (const orderingKey of ['', 'k'.repeat(257), 'a\u0000b', 42]) {
        const res = await herald.send({ url: `${v.url}/ok`, orderingKey });
        expect(res.status).toBe(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['orderingKey']);
      }
    });
  });
}
