import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import type { RunningService, StartService } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

/** One key of each role, two send callers, and a bare (full-access) key. */
export const CALLERS_TEST_ENV: Record<string, string> = {
  HERALD_API_KEYS: [
    'k-admin',
    'billing:send:k-billing',
    'shipping:send:k-shipping',
    'audit:read:k-audit',
    'ops:operate:k-ops',
  ].join(','),
};

/**
 * Callers and roles through the real HTTP API: what each role may do (403 FORBIDDEN naming the role
 * needed), a send caller seeing only its own notifications, idempotency keys scoped by caller, and the
 * caller recorded on each notification. Runs unchanged against every mode.
 */
export function describeCallersE2E(mode: string, start: StartService): void {
  describe(`callers and roles end to end (${mode})`, () => {
    let service: RunningService;
    let vendor: Vendor;
    const as = (key: string) => new HeraldClient(service.baseUrl, key);

    beforeAll(async () => {
      vendor = await startVendor();
      service = await start(CALLERS_TEST_ENV);
    });
    afterAll(async () => {
      await service?.stop();
      await vendor?.close();
    });

    /** A notification no attempt will take soon: its vendor never answers before the test looks. */
    const sendAs = async (key: string, extra: Record<string, unknown> = {}) => {
      const res = await as(key).send({ url: `${vendor.url}/ok`, ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body;
    };

    it('tells each key who it is and what it may do (GET /v1/caller)', async () => {
      expect((await as('k-admin').call('GET', '/v1/caller')).body).toEqual({ name: 'default', role: 'operate' });
      expect((await as('k-billing').call('GET', '/v1/caller')).body).toEqual({ name: 'billing', role: 'send' });
      expect((await as('k-audit').call('GET', '/v1/caller')).body).toEqual({ name: 'audit', role: 'read' });
      expect((await as('wrong').call('GET', '/v1/caller')).status).toBe(401);
    });

    it('records the caller on each notification and shows it on the record and in the listing', async () => {
      const sent = await sendAs('k-billing');
      expect(sent.caller).toBe('billing');
      expect((await as('k-billing').get(sent.id)).body.caller).toBe('billing');
      const listed = await as('k-audit').call('GET', '/v1/notifications?limit=100');
      expect(listed.status).toBe(200);
      expect(listed.body.items.find((n: { id: string }) => n.id === sent.id)?.caller).toBe('billing');
      expect((await sendAs('k-admin')).caller).toBe('default');
    });

    it('refuses a key used beyond its role with 403 FORBIDDEN naming the role needed', async () => {
      const sent = await sendAs('k-billing');
      const refusals: [string, string, string, string, unknown?][] = [
        ['k-audit', 'POST', '/v1/notifications', 'send', { url: `${vendor.url}/ok` }],
        ['k-audit', 'POST', `/v1/notifications/${sent.id}/cancel`, 'send'],
        ['k-audit', 'POST', '/v1/destinations/x/pause', 'operate'],
        ['k-billing', 'GET', '/v1/notifications', 'read'],
        ['k-billing', 'GET', '/v1/stats', 'read'],
        ['k-billing', 'POST', '/v1/recoveries', 'operate', {}],
        ['k-billing', 'PATCH', '/v1/destinations/x', 'operate', {}],
      ];
      for (const [key, method, path, role, json] of refusals) {
        const res = await as(key).call(method, path, json === undefined ? {} : { json });
        expect(res.status, `${key} ${method} ${path}`).toBe(403);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.code).toBe('FORBIDDEN');
        expect(res.body.detail).toContain(`"${role}"`);
      }
      expect((await as('k-audit').call('GET', '/v1/stats')).status).toBe(200);
      // A read key reads every notification, whoever sent it.
      expect((await as('k-audit').call('GET', `/v1/notifications/${sent.id}/attempts`)).status).toBe(200);
      expect((await as('k-audit').get(sent.id)).body.caller).toBe('billing');
      expect((await as('k-ops').call('GET', '/v1/stats')).status).toBe(200);
    });

    it("answers 404 to a send caller for another caller's notification, its attempts, retry and cancel", async () => {
      const theirs = await sendAs('k-shipping', { metadata: { owner: 'shipping' } });
      const billing = as('k-billing');
      for (const [method, path] of [
        ['GET', `/v1/notifications/${theirs.id}`],
        ['GET', `/v1/notifications/${theirs.id}/attempts`],
        ['POST', `/v1/notifications/${theirs.id}/retry`],
        ['POST', `/v1/notifications/${theirs.id}/cancel`],
      ] as const) {
        const res = await billing.call(method, path);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
      // The owner still sees it, untouched by the refused cancel; a full-access key sees every caller's.
      const own = await as('k-shipping').get(theirs.id);
      expect(own.status).toBe(200);
      expect(own.body.status).not.toBe('CANCELLED');
      expect((await as('k-admin').get(theirs.id)).status).toBe(200);
    });

    it('lets a send caller cancel its own notification', async () => {
      const own = await sendAs('k-billing');
      const res = await as('k-billing').call('POST', `/v1/notifications/${own.id}/cancel`);
      // Cancelled, or already taken by an attempt: either way it was found, not a 404.
      expect([200, 409]).toContain(res.status);
    });

    it('scopes Idempotency-Keys by caller: two callers get two notifications, one caller still deduplicates', async () => {
      const key = `shared-${Date.now()}`;
      const first = await as('k-billing').send({ url: `${vendor.url}/ok`, body: 'a' }, { 'idempotency-key': key });
      const other = await as('k-shipping').send({ url: `${vendor.url}/ok`, body: 'b' }, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect(other.status).toBe(202);
      expect(other.body.id).not.toBe(first.body.id);
      expect(other.body.caller).toBe('shipping');
      const replay = await as('k-billing').send({ url: `${vendor.url}/ok`, body: 'a' }, { 'idempotency-key': key });
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe(first.body.id);
    });

    it('scopes the idempotency keys of batch items by caller too', async () => {
      const key = `batch-shared-${Date.now()}`;
      const batch = (body: string) => ({ notifications: [{ url: `${vendor.url}/ok`, body, idempotencyKey: key }] });
      const first = await as('k-billing').call('POST', '/v1/notifications/batch', { json: batch('a') });
      const other = await as('k-shipping').call('POST', '/v1/notifications/batch', { json: batch('b') });
      expect(first.body.results[0].status, JSON.stringify(first.body)).toBe(202);
      expect(other.body.results[0].status, JSON.stringify(other.body)).toBe(202);
      expect(other.body.results[0].notification.id).not.toBe(first.body.results[0].notification.id);
      expect(other.body.results[0].notification.caller).toBe('shipping');
      const replay = await as('k-billing').call('POST', '/v1/notifications/batch', { json: batch('a') });
      expect(replay.body.results[0].status).toBe(200);
      expect(replay.body.results[0].notification.id).toBe(first.body.results[0].notification.id);
      // A batch item and a single POST of one caller share its keys.
      const single = await as('k-billing').send({ url: `${vendor.url}/ok`, body: 'a' }, { 'idempotency-key': key });
      expect(single.status).toBe(200);
      expect(single.body.id).toBe(first.body.results[0].notification.id);
    });

    it("gives a destination's signing keys to operate keys only, and no other read shows them", async () => {
      const destination = encodeURIComponent(new URL(vendor.url).origin);
      const path = `/v1/destinations/${destination}/signing-secret`;
      for (const key of ['k-audit', 'k-billing']) {
        for (const method of ['GET', 'POST']) {
          const res = await as(key).call(method, path);
          expect(res.status, `${key} ${method} ${path}`).toBe(403);
          expect(res.body.code).toBe('FORBIDDEN');
          expect(res.body.detail).toContain('"operate"');
        }
      }
      const made = await as('k-ops').call('POST', path);
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const secret: string = made.body.secret;
      expect(secret).toMatch(/^whsec_/);
      const inForce = await as('k-ops').call('GET', path);
      expect(inForce.status).toBe(200);
      expect(JSON.stringify(inForce.body)).toContain(secret);
      expect((await as('k-admin').call('GET', path)).status).toBe(200);
      // The destination's own reads, open to read keys, never carry its keys.
      await sendAs('k-billing');
      const reads = [
        await as('k-audit').call('GET', `/v1/destinations/${destination}`),
        await as('k-audit').call('GET', '/v1/destinations?limit=100'),
      ];
      for (const res of reads) {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(JSON.stringify(res.body)).not.toContain('whsec_');
      }
    });
  });
}
