import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsLocalService } from '../helpers/aws-local-service.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { openSocket, parse, rawExchange } from '../helpers/raw-http.js';
import { type RunningService, type StartService, startSingleProcess } from '../helpers/services.js';
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

describe.each([
  ['single process', startSingleProcess],
  ['aws-local', startAwsLocalService],
] as [string, StartService][])('API keys before the body (%s)', (_mode, start) => {
  let service: RunningService;
  beforeAll(async () => {
    service = await start({ HERALD_API_KEYS: 'key-one' });
  });
  afterAll(() => service?.stop());

  it('answers 401 to a request with a wrong key before its body is sent: the body is never read', async () => {
    const socket = await openSocket(service.baseUrl);
    const received: Buffer[] = [];
    const answered = new Promise<ReturnType<typeof parse>>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        const response = parse(Buffer.concat(received));
        if (response) resolve(response);
      });
      socket.on('close', () => resolve(parse(Buffer.concat(received))));
    });
    // Under the request size limit, so only the key can make the server answer before the body.
    socket.write(
      [
        'POST /v1/notifications HTTP/1.1',
        `Host: ${new URL(service.baseUrl).host}`,
        'Authorization: Bearer wrong',
        'Content-Type: application/json',
        'Content-Length: 200000',
        '',
        '',
      ].join('\r\n'),
    );
    const response = await answered;
    socket.destroy();
    expect(response?.status).toBe(401);
    expect(response?.body.code).toBe('UNAUTHORIZED');
  });
});

describe.each([
  ['single process', startSingleProcess],
  ['aws-local', startAwsLocalService],
] as [string, StartService][])('API keys on paths the router normalizes (%s)', (_mode, start) => {
  let service: RunningService;
  beforeAll(async () => {
    service = await start({ HERALD_API_KEYS: 'key-one' });
  });
  afterAll(() => service?.stop());

  /** Sent byte for byte: an HTTP client library would resolve the dot segments itself. */
  const exchange = (method: string, path: string, key?: string) => {
    const body = method === 'POST' ? JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) : '';
    return rawExchange(
      service.baseUrl,
      [
        `${method} ${path} HTTP/1.1`,
        `Host: ${new URL(service.baseUrl).host}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        ...(key ? [`Authorization: Bearer ${key}`] : []),
        'Connection: close',
      ],
      Buffer.from(body),
    );
  };

  it.each([
    ['GET', '/x/../v1/notifications'],
    ['GET', '/%76%31/notifications'],
    ['GET', '/v1/./notifications'],
    ['POST', '/x/../v1/notifications'],
    ['POST', '/%76%31/notifications'],
    // URL parsers read a backslash as a slash; the node server refuses such a path (400 MALFORMED_REQUEST).
    ['POST', '/x\\..\\v1/notifications'],
  ])('%s %s without a key → refused, and nothing is stored', async (method, path) => {
    const res = await exchange(method, path);
    expect([400, 401]).toContain(res.status);
    expect(['UNAUTHORIZED', 'MALFORMED_REQUEST']).toContain(res.body.code);
    const listed = await new HeraldClient(service.baseUrl, 'key-one').call('GET', '/v1/notifications');
    expect(listed.body.items).toEqual([]);
  });

  it.each(['/x/../v1/notifications', '/%76%31/notifications'])('GET %s with a valid key → 200', async (path) => {
    const res = await exchange('GET', path, 'key-one');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
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
