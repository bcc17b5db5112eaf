import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import type { RunningService, StartService } from '../helpers/services.js';
import { type Vendor, vendorsPerTest } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** The settings every mode runs this suite with: a small cap, a breaker that opens fast and cools quickly. */
export const DESTINATION_TEST_ENV: Record<string, string> = {
  HERALD_DESTINATION_CONCURRENCY: '4',
  HERALD_BREAKER_FAILURES: '3',
  HERALD_BREAKER_COOLDOWN_MS: '3000',
  // Retry-After holds are capped by the longest retry delay: above the 2 s the tests ask for.
  HERALD_RETRY_MAX_DELAY_MS: '4000',
};

const FINAL = ['SUCCESS', 'FAILED'];
const destinationPath = (vendor: Vendor) => `/v1/destinations/${encodeURIComponent(vendor.url)}`;

/**
 * Per-destination isolation, breaker, Retry-After, pause/resume and rate limit, through the real HTTP
 * API with real vendor servers (each its own origin, so its own destination). Runs unchanged against
 * every mode; the service is started with DESTINATION_TEST_ENV.
 */
export function describeDestinationsE2E(mode: string, start: StartService): void {
  describe(`destinations end to end (${mode})`, () => {
    let service: RunningService;
    let herald: HeraldClient;
    const vendor = vendorsPerTest();

    beforeAll(async () => {
      service = await start(DESTINATION_TEST_ENV);
      herald = new HeraldClient(service.baseUrl);
    });
    afterAll(async () => {
      await service?.stop();
    });

    const sendMany = async (count: number, notification: Record<string, unknown>) => {
      const sent = await Promise.all(Array.from({ length: count }, () => herald.send(notification)));
      for (const res of sent) expect(res.status).toBe(202);
      return sent.map((res) => res.body.id as string);
    };
    const statuses = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => (await herald.get(id)).body.status as string));

    it('delivers a healthy vendor’s notifications while a black-holed vendor’s backlog, queued first, waits behind its cap', async () => {
      const dead = await vendor();
      const healthy = await vendor();
      const deadIds = await sendMany(20, { url: `${dead.url}/hang`, timeoutMs: 4000, maxAttempts: 1 });
      await waitFor(() => (dead.inFlight > 0 ? true : undefined), { what: 'the dead vendor to be tried' });
      const healthyIds = await sendMany(20, { url: `${healthy.url}/ok` });

      for (const id of healthyIds) await herald.waitForStatus(id, FINAL, 30_000);
      expect(await statuses(healthyIds)).toEqual(healthyIds.map(() => 'SUCCESS'));
      // Every healthy one is done while the dead vendor still holds most of its backlog, never more
      // than the destination's cap in flight.
      const deadNow = await statuses(deadIds);
      expect(deadNow.filter((s) => !FINAL.includes(s)).length).toBeGreaterThan(10);
      expect(dead.maxInFlight).toBeLessThanOrEqual(4);
      expect(dead.maxInFlight).toBeGreaterThan(0);

      const seen = await herald.call('GET', destinationPath(dead));
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ destination: dead.url, maxConcurrency: 4 });
    }, 60_000);

    it('opens the breaker on a vendor answering 503, sends nothing while open, probes once, and closes', async () => {
      const flaky = await vendor();
      const ids = await sendMany(6, { url: `${flaky.url}/switch`, maxAttempts: 20 });
      const open = await waitFor(
        async () => {
          const res = await herald.call('GET', destinationPath(flaky));
          return res.body?.state === 'OPEN' ? res.body : undefined;
        },
        { timeoutMs: 20_000, what: 'the breaker to open' },
      );
      expect(open.consecutiveFailures).toBeGreaterThanOrEqual(3);
      const openUntil = Date.parse(open.openUntil);
      // A waiting notification says when it will be tried: no sooner than the reopening.
      const waiting = await Promise.all(ids.map(async (id) => (await herald.get(id)).body));
      for (const n of waiting.filter((w) => w.status === 'QUEUED')) {
        expect(Date.parse(n.nextAttemptAt)).toBeGreaterThanOrEqual(openUntil);
      }
      flaky.healthy = true;
      for (const id of ids) await herald.waitForStatus(id, FINAL, 30_000);
      expect(await statuses(ids)).toEqual(ids.map(() => 'SUCCESS'));

      const openedAt = openUntil - 3000;
      const duringOpen = flaky.requests.filter((r) => r.arrivedAt > openedAt + 500 && r.arrivedAt < openUntil);
      expect(duringOpen).toEqual([]);
      // The first request after the cool-down is the probe, alone until it was answered.
      const after = flaky.requests.filter((r) => r.arrivedAt >= openUntil).sort((a, b) => a.arrivedAt - b.arrivedAt);
      const probe = after[0];
      expect(probe?.answeredAt).toBeDefined();
      expect(after.slice(1).filter((r) => r.arrivedAt < (probe?.answeredAt ?? 0))).toEqual([]);
      const closed = await herald.call('GET', destinationPath(flaky));
      expect(closed.body).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });
    }, 60_000);

    it('keeps the breaker open when a request sent before it opened succeeds late, and sends nothing until its probe', async () => {
      const target = await vendor();
      // One slow request in flight (it answers 200 when released), then 503s that open the breaker.
      const [slow] = await sendMany(1, { url: `${target.url}/held`, timeoutMs: 30_000, maxAttempts: 1 });
      await waitFor(() => (target.inFlight > 0 ? true : undefined), { what: 'the slow request to arrive' });
      const failing = await sendMany(3, { url: `${target.url}/switch`, maxAttempts: 20 });
      const open = await waitFor(
        async () => {
          const res = await herald.call('GET', destinationPath(target));
          return res.body?.state === 'OPEN' ? res.body : undefined;
        },
        { timeoutMs: 20_000, what: 'the breaker to open' },
      );
      const seenOpenAt = Date.now();
      const openUntil = Date.parse(open.openUntil);
      const switched = () => target.requests.filter((r) => r.path === '/switch');

      target.release();
      expect((await herald.waitForStatus(slow as string, FINAL, 30_000)).status).toBe('SUCCESS');
      // The late 200 is the vendor's last success, but it answers a request sent before the opening:
      // it says nothing of the vendor now, so the breaker neither closes nor opens anew.
      const after = await waitFor(
        async () => {
          const res = await herald.call('GET', destinationPath(target));
          return res.body?.lastSuccessAt ? res.body : undefined;
        },
        { what: 'the late success to be recorded' },
      );
      const probed = switched().some((r) => r.arrivedAt >= openUntil);
      if (!probed) expect(after).toMatchObject({ state: 'OPEN', openUntil: open.openUntil });

      target.healthy = true;
      for (const id of failing) await herald.waitForStatus(id, FINAL, 30_000);
      expect(await statuses(failing)).toEqual(failing.map(() => 'SUCCESS'));
      // Nothing is sent while open (requests admitted before the opening may still be arriving as it is seen).
      expect(switched().filter((r) => r.arrivedAt > seenOpenAt + 500 && r.arrivedAt < openUntil)).toEqual([]);
      // The first request after the cool-down is the probe, alone until it was answered.
      const later = switched()
        .filter((r) => r.arrivedAt >= openUntil)
        .sort((a, b) => a.arrivedAt - b.arrivedAt);
      const probe = later[0];
      expect(probe?.answeredAt).toBeDefined();
      expect(later.slice(1).filter((r) => r.arrivedAt < (probe?.answeredAt ?? 0))).toEqual([]);
    }, 60_000);

    it("does not open the breaker for a caller's timeouts under 1 s, and does for 1 s ones", async () => {
      const slow = await vendor();
      const short = await sendMany(6, { url: `${slow.url}/slow/1500`, timeoutMs: 10, maxAttempts: 1 });
      for (const id of short) await herald.waitForStatus(id, FINAL, 30_000);
      expect(await statuses(short)).toEqual(short.map(() => 'FAILED'));
      const untouched = await herald.call('GET', destinationPath(slow));
      expect(untouched.body).toMatchObject({ state: 'CLOSED', consecutiveFailures: 0 });

      const counted = await sendMany(3, { url: `${slow.url}/slow/1500`, timeoutMs: 1000, maxAttempts: 1 });
      for (const id of counted) await herald.waitForStatus(id, FINAL, 30_000);
      const opened = await herald.call('GET', destinationPath(slow));
      expect(opened.body).toMatchObject({ state: 'OPEN', consecutiveFailures: 3 });
    }, 60_000);

    it('holds the whole destination for a 429’s Retry-After', async () => {
      const limited = await vendor();
      const [first] = await sendMany(1, { url: `${limited.url}/retry-after-once/2` });
      const limitedAt = await waitFor(() => limited.requests[0]?.answeredAt, { what: 'the 429' });
      // Once its attempt is recorded, Herald has read the 429 (the destination's hold is written first).
      await waitFor(async () => ((await herald.get(first as string)).body.attempts === 1 ? true : undefined), {
        what: 'the 429 to be recorded',
      });
      const others = await sendMany(3, { url: `${limited.url}/retry-after-once/2` });
      for (const id of [first as string, ...others]) await herald.waitForStatus(id, FINAL, 30_000);
      expect(await statuses([first as string, ...others])).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
      const later = limited.requests.slice(1);
      expect(later).toHaveLength(4);
      // Retry-After is whole seconds, counted by Herald from the moment it read the answer.
      for (const r of later) expect(r.arrivedAt).toBeGreaterThanOrEqual(limitedAt + 2000 - 50);
      const held = await herald.call('GET', destinationPath(limited));
      expect(Date.parse(held.body.retryAfterUntil)).toBeGreaterThanOrEqual(limitedAt + 2000 - 50);
    }, 60_000);

    it('pauses a destination (nothing is sent, no attempt spent) and resumes it', async () => {
      const target = await vendor();
      const [warmUp] = await sendMany(1, { url: `${target.url}/ok` });
      await herald.waitForStatus(warmUp as string, FINAL);
      const paused = await herald.call('POST', `${destinationPath(target)}/pause`);
      expect(paused.status).toBe(200);
      expect(paused.body.state).toBe('PAUSED');
      // Workers trust a destination record for a couple of seconds on AWS: let the pause reach them.
      await new Promise((resolve) => setTimeout(resolve, 2500));

      const ids = await sendMany(3, { url: `${target.url}/ok` });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(target.requests).toHaveLength(1);
      for (const n of await Promise.all(ids.map(async (id) => (await herald.get(id)).body))) {
        expect(n).toMatchObject({ attempts: 0 });
        expect(['PENDING', 'QUEUED']).toContain(n.status);
      }
      const resumedAt = Date.now();
      const resumed = await herald.call('POST', `${destinationPath(target)}/resume`);
      expect(resumed.body.state).toBe('CLOSED');
      for (const id of ids) await herald.waitForStatus(id, FINAL, 45_000);
      expect(await statuses(ids)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
      for (const r of target.requests.slice(1)) expect(r.arrivedAt).toBeGreaterThanOrEqual(resumedAt);
    }, 90_000);

    it('pauses a destination never sent to ahead of time (and sets limits on one), and holds what is sent to it', async () => {
      const target = await vendor();
      const other = await vendor();
      const paused = await herald.call('POST', `${destinationPath(target)}/pause`);
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({ destination: target.url, state: 'PAUSED' });
      expect((await herald.call('GET', destinationPath(target))).body.state).toBe('PAUSED');
      const limited = await herald.call('PATCH', destinationPath(other), { json: { maxConcurrency: 2 } });
      expect(limited.status).toBe(200);
      expect(limited.body).toMatchObject({ destination: other.url, state: 'CLOSED', maxConcurrency: 2 });
      for (const res of [
        await herald.call('POST', `/v1/destinations/${encodeURIComponent(`${target.url}/path`)}/pause`),
        await herald.call('PATCH', `/v1/destinations/${encodeURIComponent('not an origin')}`, {
          json: { maxConcurrency: 2 },
        }),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'destination' }] });
      }

      const [held] = await sendMany(1, { url: `${target.url}/ok` });
      const [control] = await sendMany(1, { url: `${other.url}/ok` });
      // The notification to the other vendor, sent after, is delivered while the paused one waits.
      expect((await herald.waitForStatus(control as string, FINAL)).status).toBe('SUCCESS');
      expect((await herald.get(held as string)).body).toMatchObject({ attempts: 0 });
      expect(['PENDING', 'QUEUED']).toContain((await herald.get(held as string)).body.status);
      expect(target.requests).toHaveLength(0);

      expect((await herald.call('POST', `${destinationPath(target)}/resume`)).body.state).toBe('CLOSED');
      expect((await herald.waitForStatus(held as string, FINAL, 45_000)).status).toBe('SUCCESS');
    }, 90_000);

    it('spreads a rate-limited destination’s requests to its rate', async () => {
      const target = await vendor();
      const [warmUp] = await sendMany(1, { url: `${target.url}/ok` });
      await herald.waitForStatus(warmUp as string, FINAL);
      const patched = await herald.call('PATCH', destinationPath(target), { json: { requestsPerSecond: 4 } });
      expect(patched.status).toBe(200);
      expect(patched.body.requestsPerSecond).toBe(4);
      await new Promise((resolve) => setTimeout(resolve, 2500)); // the AWS workers' cache, as above

      const ids = await sendMany(8, { url: `${target.url}/ok` });
      for (const id of ids) await herald.waitForStatus(id, FINAL, 30_000);
      const arrivals = target.requests.slice(1).map((r) => r.arrivedAt);
      // 8 requests at 4 per second, one at a time: at least 7 intervals of 250 ms.
      expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThanOrEqual(7 * 250 - 100);

      const cleared = await herald.call('PATCH', destinationPath(target), { json: { requestsPerSecond: null } });
      expect(cleared.body.requestsPerSecond).toBeNull();
    }, 60_000);

    it('lists destinations with a cursor, and answers bad or unknown destinations with a problem', async () => {
      const target = await vendor();
      const [id] = await sendMany(1, { url: `${target.url}/ok` });
      await herald.waitForStatus(id as string, FINAL);

      const first = await herald.call('GET', '/v1/destinations?limit=1');
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { destination: string }[]; nextCursor: string | null } } = await herald.call(
          'GET',
          `/v1/destinations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        all.push(...page.body.items.map((d) => d.destination));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(all).toContain(target.url);
      expect(new Set(all).size).toBe(all.length);

      const problems = [
        await herald.call('GET', `/v1/destinations/${encodeURIComponent('not an origin')}`),
        await herald.call('GET', `/v1/destinations/${encodeURIComponent(`${target.url}/path`)}`),
        await herald.call('PATCH', destinationPath(target), { json: { maxConcurrency: 0 } }),
        await herald.call('PATCH', destinationPath(target), { json: { requestsPerSecond: 'fast' } }),
        await herald.call('PATCH', destinationPath(target), { json: { maxConcurency: 3 } }),
        await herald.call('PATCH', destinationPath(target), {
          body: '{not json',
          headers: { 'content-type': 'application/json' },
        }),
        await herald.call('GET', '/v1/destinations?cursor=garbage'),
      ];
      for (const res of problems) {
        expect(res.status).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.code).toBe('VALIDATION_ERROR');
      }
      expect(problems.map((p) => p.body.errors?.[0]?.field)).toEqual([
        'destination',
        'destination',
        'maxConcurrency',
        'requestsPerSecond',
        'maxConcurency',
        '(body)',
        'cursor',
      ]);
      const never = encodeURIComponent('https://never-seen.example');
      for (const [method, path] of [
        ['GET', `/v1/destinations/${never}`],
        ['POST', `/v1/destinations/${never}/resume`],
      ] as const) {
        const res = await herald.call(method, path);
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
    }, 60_000);
  });
}
