import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import { type RunningService, startSingleProcess } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

describe('API keys', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startSingleProcess({ HERALD_API_KEYS: 'key-one, key-two' });
  });
  afterAll(() => service?.stop());

  it('refuses every /v1 route without a valid key, with 401 UNAUTHORIZED', async () => {
    for (const client of [new HeraldClient(service.baseUrl), new HeraldClient(service.baseUrl, 'wrong')]) {
      for (const [method, path] of [
        ['POST', '/v1/notifications'],
        ['GET', '/v1/notifications'],
        ['GET', '/v1/notifications/x'],
        ['GET', '/v1/notifications/x/attempts'],
        ['POST', '/v1/notifications/x/retry'],
      ] as const) {
        const res = await client.call(method, path, { json: {} });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.code).toBe('UNAUTHORIZED');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="herald"');
      }
    }
  });

  it('accepts any configured key', async () => {
    for (const key of ['key-one', 'key-two']) {
      const res = await new HeraldClient(service.baseUrl, key).call('GET', '/v1/notifications');
      expect(res.status).toBe(200);
    }
  });

  it('leaves /healthz open', async () => {
    expect((await new HeraldClient(service.baseUrl).call('GET', '/healthz')).status).toBe(200);
  });
});

describe('SSRF guard (HERALD_ALLOW_PRIVATE_TARGETS=false)', () => {
  let service: RunningService;
  let vendor: Vendor;
  let herald: HeraldClient;
  beforeAll(async () => {
    vendor = await startVendor();
    service = await startSingleProcess({ HERALD_ALLOW_PRIVATE_TARGETS: 'false' });
    herald = new HeraldClient(service.baseUrl);
  });
  afterAll(async () => {
    await service?.stop();
    await vendor?.close();
  });

  it.each(['127.0.0.1', 'localhost', '2130706433', '0x7f000001', '[::ffff:127.0.0.1]'])(
    'refuses %s without contacting it: FAILED with BLOCKED_TARGET, no retry',
    async (host) => {
      const port = new URL(vendor.url).port;
      const sent = await herald.send({ url: `http://${host}:${port}/ok`, maxAttempts: 3 });
      expect(sent.status).toBe(202);
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('FAILED');
      expect(done.attempts).toBe(1);
      expect(done.deliveryResult).toMatchObject({ category: 'BLOCKED_TARGET', retryEligible: false });
      expect(vendor.requests).toHaveLength(0);
      // API readers learn the kind of address, never one a name resolved to (the operators' log has it).
      const attempts = (await herald.call('GET', `/v1/notifications/${sent.body.id}/attempts`)).body.attempts;
      for (const shown of [done.deliveryResult.errorDetails.message, attempts[0].errorDetails.message]) {
        expect(shown).toMatch(/^the target (is|resolves to) a blocked address \((IPv4-mapped, )?loopback\)$/);
      }
    },
  );
});
