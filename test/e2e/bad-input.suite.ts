import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, HeraldClient } from '../helpers/herald-client.js';
import { openSocket, parse, type RawResponse, rawExchange } from '../helpers/raw-http.js';
import type { RunningService, StartService } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Every caller mistake gets a 4xx problem document with a stable code — never a 500, never a record.
 * Runs unchanged against every mode (STYLE.md practice 3); each mode gets a service of its own, so
 * the last test can check that nothing was stored.
 */
/** An id Herald could have made (a version-7 UUID) that no notification has. */
const UNKNOWN_ID = '01890a5d-ac96-774b-bcce-b302099a8057';

export function describeBadInput(mode: string, start: StartService): void {
  describe(`bad input (${mode})`, () => {
    let service: RunningService;
    let herald: HeraldClient;
    const valid = { url: 'http://127.0.0.1:9/hook', body: { ok: true } };
    /** The ids of the few requests meant to be accepted; the last test checks nothing else was stored. */
    const accepted: string[] = [];

    beforeAll(async () => {
      service = await start();
      herald = new HeraldClient(service.baseUrl);
    });
    afterAll(() => service?.stop());

    /** POSTs exact bytes: HeraldClient sends strings, which are always valid UTF-8. */
    async function rawPost(body: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
      const res = await request(`${service.baseUrl}/v1/notifications`, { method: 'POST', headers, body });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
    }

    function expectProblem(
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are inspected field by field in tests
      res: { status: number; headers: Record<string, unknown>; body: any },
      status: number,
      code: string,
    ) {
      expect(res.status).toBe(status);
      expect(String(res.headers['content-type'])).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }

    const invalid: [string, unknown, string][] = [
      ['missing url', { body: 'x' }, 'url'],
      ['ftp url', { url: 'ftp://example.com/x' }, 'url'],
      ['relative url', { url: '/hook' }, 'url'],
      ['url too long', { url: `http://example.com/${'a'.repeat(3000)}` }, 'url'],
      ['unknown method', { ...valid, method: 'BREW' }, 'method'],
      ['CR/LF in a header value', { ...valid, headers: { 'X-A': 'a\r\nInjected: 1' } }, 'headers.X-A'],
      ['hop-by-hop header', { ...valid, headers: { 'Transfer-Encoding': 'chunked' } }, 'headers.Transfer-Encoding'],
      ['bad header name', { ...valid, headers: { 'Bad Header': 'x' } }, 'headers.Bad Header'],
      ['header value not a string', { ...valid, headers: { 'X-A': 1 } }, 'headers.X-A'],
      ['maxAttempts 0', { ...valid, maxAttempts: 0 }, 'maxAttempts'],
      ['maxAttempts not a number', { ...valid, maxAttempts: 'three' }, 'maxAttempts'],
      ['timeoutMs too large', { ...valid, timeoutMs: 3_600_000 }, 'timeoutMs'],
      ['unknown field', { ...valid, header: { a: 'b' } }, 'header'],
      ['GET with a body', { ...valid, method: 'GET' }, 'body'],
      ['metadata not an object', { ...valid, metadata: [1, 2] }, 'metadata'],
      ['an array instead of an object', [valid], '(root)'],
      ['sign not a boolean', { ...valid, sign: 'yes' }, 'sign'],
      [
        'a webhook-* header on a signed notification',
        { ...valid, sign: true, headers: { 'webhook-id': 'x' } },
        'headers.webhook-id',
      ],
      // Herald's own headers: a receiver must be able to trust them (and would get two of each).
      [
        'an X-Herald-* header',
        { ...valid, headers: { 'X-Herald-Notification-Id': 'forged' } },
        'headers.X-Herald-Notification-Id',
      ],
      [
        'an x-herald-* header in lower case',
        { ...valid, headers: { 'x-herald-attempt': '1' } },
        'headers.x-herald-attempt',
      ],
      [
        'a webhook-* header, unsigned',
        { ...valid, headers: { 'Webhook-Signature': 'v1,x' } },
        'headers.Webhook-Signature',
      ],
      // Control characters a URL parser would strip (tab, newline) or encode (the rest) are refused.
      ['a tab inside the url', { url: 'http://example.com/a\tb' }, 'url'],
      ['a newline inside the url host', { url: 'http://exam\nple.com/' }, 'url'],
      ['a NUL in the url', { url: 'http://example.com/a\u0000' }, 'url'],
      ['DEL in the url', { url: 'http://example.com/a\u007f' }, 'url'],
      ['a C1 control (CSI) in the url', { url: 'http://example.com/a\u009b31m' }, 'url'],
    ];

    it.each(invalid)('%s → 400 VALIDATION_ERROR naming the field', async (_name, notification, field) => {
      const res = await herald.send(notification);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it('names every bad field at once', async () => {
      const res = await herald.send({ url: 'nope', maxAttempts: -1, timeoutMs: 1 });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'maxAttempts',
        'timeoutMs',
        'url',
      ]);
    });

    it('rejects a body that is not JSON', async () => {
      const res = await herald.call('POST', '/v1/notifications', {
        body: '{"url": ',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(res, 400, 'VALIDATION_ERROR');
    });

    const nested = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
    const deeplyNested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

    it.each([
      ['body', 5000],
      ['metadata', 3000],
      ['headers', 100],
      ['maxAttempts', 33],
    ])('refuses JSON nested too deep in %s (%i levels) → 400 naming it', async (field, levels) => {
      const value = field === 'metadata' ? `{"a": ${deeplyNested(levels - 1)}}` : deeplyNested(levels);
      const res = await herald.call('POST', '/v1/notifications', {
        body: `{"url": "${valid.url}", "${field}": ${value}}`,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ field, message: 'nests arrays and objects more than 32 levels deep' }]);
    });

    it('accepts a body nested exactly as deep as the limit, and lists it', async () => {
      const res = await herald.send({ ...valid, body: nested(32) });
      expect(res.status).toBe(202);
      accepted.push(res.body.id);
      expect((await herald.get(res.body.id)).body.body).toEqual(nested(32));
    });

    it('rejects a content type other than JSON with 415', async () => {
      const res = await herald.call('POST', '/v1/notifications', {
        body: 'url=http://example.com',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it.each([
      ['a truncated sequence', [0xc3, 0x28]],
      ['a lone continuation byte', [0x80]],
      ['an overlong encoding', [0xc0, 0xaf]],
      ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ])('refuses a body with invalid UTF-8 (%s) → 400', async (_name, bad) => {
      const json = Buffer.from(JSON.stringify({ ...valid, body: 'caf\u0000' }));
      const at = json.indexOf(0x5c); // the escaped NUL inside the body string, replaced by the bad bytes
      const bytes = Buffer.concat([json.subarray(0, at), Buffer.from(bad), json.subarray(at + 6)]);
      const res = await rawPost(bytes, { 'content-type': 'application/json' });
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ field: '(body)', message: 'is not valid UTF-8' }]);
    });

    it('accepts UTF-8 with a byte-order mark and keeps multi-byte characters intact', async () => {
      const bom = Buffer.from([0xef, 0xbb, 0xbf]);
      const res = await rawPost(Buffer.concat([bom, Buffer.from(JSON.stringify({ ...valid, body: 'wörld ✓ 😀' }))]), {
        'content-type': 'application/json; charset="UTF-8"',
      });
      expect(res.status).toBe(202);
      accepted.push(res.body.id);
      expect(res.body.body).toBe('wörld ✓ 😀');
    });

    it.each([
      ['Content-Type', 'application/json; charset=iso-8859-1'],
      ['Content-Type', 'application/json;charset=utf-16'],
      ['Content-Type', 'application/jsonx'],
      ['Content-Encoding', 'gzip'],
      ['Content-Encoding', 'identity, br'],
    ])('refuses %s: %s → 415 naming the header', async (header, value) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', [header.toLowerCase()]: value };
      const res = await rawPost(Buffer.from(JSON.stringify(valid)), headers);
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([header]);
    });

    /** A request exactly as given: HeraldClient adds Content-Type to every POST, PATCH and DELETE. */
    async function rawCall(method: string, path: string, headers: Record<string, string>, body?: string) {
      const res = await request(`${service.baseUrl}${path}`, { method: method as 'POST', headers, body });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
    }

    // No form or plain-text POST from a web page (no CSRF): those need no CORS preflight, JSON does.
    it.each([
      ['POST', '/v1/notifications', JSON.stringify(valid)],
      ['POST', '/v1/notifications/batch', JSON.stringify({ notifications: [valid] })],
      ['POST', `/v1/notifications/${UNKNOWN_ID}/retry`, undefined],
      ['POST', `/v1/notifications/${UNKNOWN_ID}/cancel`, undefined],
      ['POST', '/v1/recoveries', undefined],
      ['POST', '/v1/destinations/https%3A%2F%2Fvendor.test/pause', undefined],
      ['POST', '/v1/destinations/https%3A%2F%2Fvendor.test/resume', undefined],
      ['PATCH', '/v1/destinations/https%3A%2F%2Fvendor.test', '{"maxConcurrency": 2}'],
    ])('%s %s without Content-Type → 415 naming it', async (method, path, body) => {
      const res = await rawCall(method, path, {}, body);
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['Content-Type']);
    });

    it.each([
      ['text/plain', undefined],
      ['application/x-www-form-urlencoded', 'a=1'],
      ['multipart/form-data; boundary=x', undefined],
    ])('a bodiless POST with Content-Type %s → 415', async (contentType, body) => {
      const res = await rawCall(
        'POST',
        '/v1/destinations/https%3A%2F%2Fvendor.test/pause',
        {
          'content-type': contentType,
        },
        body,
      );
      expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('takes a bodiless POST with Content-Type: application/json, charset included', async () => {
      const res = await rawCall('POST', `/v1/notifications/${UNKNOWN_ID}/retry`, {
        'content-type': 'application/json; charset=utf-8',
      });
      expectProblem(res, 404, 'NOT_FOUND');
    });

    // A page on another name that resolves to loopback (DNS rebinding) reads nothing, not even /healthz.
    it.each([
      ['GET', '/v1/notifications', 'rebind.test'],
      ['GET', '/v1/stats', 'rebind.test:PORT'],
      ['GET', '/healthz', 'attacker.example'],
      ['GET', '/openapi.json', '127.0.0.2:PORT'],
      ['GET', '/console', 'rebind.test:PORT'],
      ['POST', '/v1/notifications', 'localhost.attacker.example:PORT'],
    ])('%s %s with Host %s → 421 MISDIRECTED_REQUEST', async (method, path, host) => {
      const { port } = new URL(service.baseUrl);
      const body = method === 'POST' ? JSON.stringify(valid) : '';
      const res = await rawExchange(
        service.baseUrl,
        [
          `${method} ${path} HTTP/1.1`,
          `Host: ${host.replace('PORT', port)}`,
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          'Connection: close',
        ],
        Buffer.from(body),
      );
      expectProblem(res, 421, 'MISDIRECTED_REQUEST');
    });

    it.each(['BOUND', 'BOUND:PORT', 'localhost', 'localhost:PORT'])('answers a request with Host %s', async (host) => {
      const { hostname, port } = new URL(service.baseUrl);
      const res = await rawExchange(service.baseUrl, [
        'GET /v1/stats HTTP/1.1',
        `Host: ${host.replace('BOUND', hostname).replace('PORT', port)}`,
        'Connection: close',
      ]);
      expect(res.status).toBe(200);
    });

    it('rejects a request over 256 KiB with 413', async () => {
      const res = await herald.send({ ...valid, body: 'x'.repeat(257 * 1024) });
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it.each([
      ['declared with Content-Length', 1024 * 1024, false],
      ['sent chunked', 1024 * 1024, true],
      // More than the socket buffers hold: a server closing without reading on makes this write fail.
      ['larger than the socket buffers', 6 * 1024 * 1024, false],
    ])('lets a raw client read its 413 for a body %s (%i bytes) it writes whole', async (_name, size, chunked) => {
      const head = [
        'POST /v1/notifications HTTP/1.1',
        `Host: ${new URL(service.baseUrl).host}`,
        'Content-Type: application/json',
      ];
      const body = Buffer.alloc(size, 'x');
      const res = chunked
        ? await rawExchange(
            service.baseUrl,
            [...head, 'Transfer-Encoding: chunked'],
            Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]),
          )
        : await rawExchange(service.baseUrl, [...head, `Content-Length: ${size}`], body);
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      // The rest of the body is read and discarded, so the client's write succeeds too.
      expect(res.writeError).toBeUndefined();
    });

    it('cuts a client off that goes on sending far past the bound, after answering 413', async () => {
      const socket = await openSocket(service.baseUrl);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      socket.write(
        `POST /v1/notifications HTTP/1.1\r\nHost: ${new URL(service.baseUrl).host}\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      // Bounded by the loop: 64 MiB is far more than the server reads, discard included.
      while (!socket.destroyed && sent < 64 * 1024 * 1024) {
        if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
        sent += chunk.length;
      }
      await closed;
      expect(sent).toBeLessThan(64 * 1024 * 1024);
      expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 413 /);
      socket.destroy();
    });

    it.each([
      ['is not HTTP', ['NOT HTTP AT ALL'], 400, 'MALFORMED_REQUEST'],
      [
        'has 20 KiB of headers',
        ['GET /healthz HTTP/1.1', 'Host: HOST', `X-Big: ${'x'.repeat(20 * 1024)}`],
        431,
        'HEADERS_TOO_LARGE',
      ],
    ])('answers a request that %s with a problem document', async (_name, head, status, code) => {
      const host = new URL(service.baseUrl).host;
      expectProblem(
        await rawExchange(
          service.baseUrl,
          head.map((line) => line.replace('HOST', host)),
        ),
        status,
        code,
      );
    });

    it('keeps answering while 300 connections sit idle or half-sent, and closes those after the headers timeout', async () => {
      const sockets = await Promise.all(Array.from({ length: 300 }, () => openSocket(service.baseUrl)));
      const answers = sockets.map((socket, i) => {
        const received: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('error', () => {});
        // Two in three send part of a request and stop; the rest send nothing at all.
        if (i % 3 !== 0)
          socket.write(`POST /v1/notifications HTTP/1.1\r\nHost: ${new URL(service.baseUrl).host}\r\nX-Slow: ${i}`);
        return new Promise<Buffer>((resolve) => socket.once('close', () => resolve(Buffer.concat(received))));
      });
      try {
        expect((await herald.call('GET', '/healthz')).status).toBe(200);
        const sent = await herald.send(valid);
        expect(sent.status).toBe(202);
        accepted.push(sent.body.id);
        expect((await herald.get(sent.body.id)).status).toBe(200);

        // The server ends every one of them (no assertion on when, beyond the test's deadline).
        const ends = await Promise.all(answers);
        const timedOut = ends.filter((bytes) => bytes.length > 0).map((bytes) => parse(bytes));
        expect(timedOut.length).toBeGreaterThan(0);
        for (const res of timedOut) expectProblem(res as RawResponse, 408, 'REQUEST_TIMEOUT');
      } finally {
        for (const socket of sockets) socket.destroy();
      }
    }, 60_000);

    it('closes connections beyond its cap of 512 as they arrive, and answers again once they are gone', async () => {
      const sockets = await Promise.all(Array.from({ length: 520 }, () => openSocket(service.baseUrl)));
      // Closed by the server within 3 s: well before the headers timeout (10 s) ends the idle ones.
      const closedSoon = sockets.map((socket) => {
        socket.on('error', () => {});
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 3_000);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
      });
      try {
        const dropped = (await Promise.all(closedSoon)).filter(Boolean).length;
        // At least the 8 over the cap (more if the test client still holds keep-alive connections).
        expect(dropped).toBeGreaterThanOrEqual(520 - 512);
        expect(dropped).toBeLessThan(520 - 400);
      } finally {
        for (const socket of sockets) socket.destroy();
      }
      // Once the server has seen those closes (a connection opened before is dropped as well).
      const health = await waitFor(
        async () => {
          const res = await herald.call('GET', '/healthz');
          return res.status === 200 ? res : undefined;
        },
        { timeoutMs: 10_000, what: 'the API answering again' },
      );
      expect(health.status).toBe(200);
    }, 30_000);

    it('accepts a request just under the limit', async () => {
      const res = await herald.send({ ...valid, body: 'x'.repeat(250 * 1024) });
      expect(res.status).toBe(202);
      accepted.push(res.body.id);
    });

    it('rejects an Idempotency-Key header that disagrees with the field', async () => {
      const res = await herald.send({ ...valid, idempotencyKey: 'a' }, { 'Idempotency-Key': 'b' });
      expectProblem(res, 400, 'VALIDATION_ERROR');
    });

    it.each([
      ['GET', '/v1/notifications/does-not-exist'],
      ['GET', '/v1/notifications/does-not-exist/attempts'],
      ['POST', '/v1/notifications/does-not-exist/retry'],
      ['GET', '/v2/nothing-here'],
    ])('%s %s → 404 NOT_FOUND', async (method, path) => {
      expectProblem(await herald.call(method, path), 404, 'NOT_FOUND');
    });

    it.each([
      ['GET', ''],
      ['GET', '/attempts'],
      ['POST', '/retry'],
    ])('%s a 3,000-character id%s → 404 NOT_FOUND without asking the store', async (method, suffix) => {
      const res = await herald.call(method, `/v1/notifications/${'x'.repeat(3000)}${suffix}`);
      expectProblem(res, 404, 'NOT_FOUND');
      expect(res.body.detail).toBe('No notification has this id: notification ids are UUIDs');
    });

    it.each([
      ['DELETE', '/v1/notifications', 'GET, HEAD, POST'],
      ['PUT', `/v1/notifications/${UNKNOWN_ID}`, 'GET, HEAD'],
      ['GET', `/v1/notifications/${UNKNOWN_ID}/retry`, 'POST'],
      ['PATCH', `/v1/notifications/${UNKNOWN_ID}/attempts`, 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
    ])('%s %s → 405 METHOD_NOT_ALLOWED with Allow: %s', async (method, path, allow) => {
      const res = await herald.call(method, path, method === 'GET' ? {} : { json: valid });
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe(allow);
    });

    it.each([
      ['GET', '/v1/notifications?stauts=FAILED', ['stauts']],
      ['GET', '/v1/notifications?status=FAILED&status=SUCCESS', ['status']],
      ['GET', '/v1/notifications?limit=5&x=1&limit=6&y', ['limit', 'x', 'y']],
      ['GET', `/v1/notifications/${UNKNOWN_ID}?verbose=true`, ['verbose']],
      ['GET', `/v1/notifications/${UNKNOWN_ID}/attempts?limit=1`, ['limit']],
      ['POST', `/v1/notifications/${UNKNOWN_ID}/retry?force=1`, ['force']],
      ['POST', '/v1/notifications?dryRun=true', ['dryRun']],
      ['POST', '/v1/notifications/batch?atomic=1', ['atomic']],
      ['POST', `/v1/notifications/${UNKNOWN_ID}/cancel?reason=x`, ['reason']],
      ['GET', '/v1/stats?destination=x', ['destination']],
      ['POST', '/v1/recoveries?dryRun=1', ['dryRun']],
      ['GET', `/v1/recoveries/${UNKNOWN_ID}?verbose=1`, ['verbose']],
      ['GET', '/v1/destinations?limit=5&limit=6&state=OPEN', ['limit', 'state']],
      ['GET', '/v1/destinations/https%3A%2F%2Fvendor.test?x=1', ['x']],
      ['PATCH', '/v1/destinations/https%3A%2F%2Fvendor.test?force=1', ['force']],
      ['POST', '/v1/destinations/https%3A%2F%2Fvendor.test/pause?for=1h', ['for']],
      ['POST', '/v1/destinations/https%3A%2F%2Fvendor.test/resume?x', ['x']],
      ['GET', '/healthz?deep=1', ['deep']],
    ])('%s %s → 400 naming the unknown or repeated query parameters', async (method, path, fields) => {
      const res = await herald.call(method, path, method === 'POST' ? { json: valid } : {});
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(fields);
    });

    it.each([
      ['empty', [''], 'must not be empty; leave the header out to send without a key'],
      ['with a space', ['order 1'], 'must be visible ASCII characters: no spaces, control or non-ASCII characters'],
      ['not ASCII', ['ord\u00e9r'], 'must be visible ASCII characters: no spaces, control or non-ASCII characters'],
      ['too long', ['k'.repeat(257)], 'must be at most 256 characters'],
      ['sent twice', ['key-a', 'key-b'], expect.stringMatching(/^must be (one key without commas|visible ASCII)/)],
    ])('an Idempotency-Key header %s → 400 saying what is wrong', async (_name, values, message) => {
      const body = Buffer.from(JSON.stringify(valid));
      const res = await rawExchange(
        service.baseUrl,
        [
          'POST /v1/notifications HTTP/1.1',
          `Host: ${new URL(service.baseUrl).host}`,
          'Content-Type: application/json',
          `Content-Length: ${body.length}`,
          ...values.map((value) => `Idempotency-Key: ${value}`),
          'Connection: close',
        ],
        body,
      );
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors).toEqual([{ field: 'Idempotency-Key', message }]);
    });

    it.each([
      ['status=DONE', 'status'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=not-a-cursor', 'cursor'],
    ])('list with %s → 400 naming %s', async (query, field) => {
      const res = await herald.call('GET', `/v1/notifications?${query}`);
      expectProblem(res, 400, 'VALIDATION_ERROR');
      expect(res.body.errors[0].field).toBe(field);
    });

    it('stored nothing for any rejected request', async () => {
      const { body } = await herald.call('GET', '/v1/notifications?limit=100');
      expect(body.items.map((item: { id: string }) => item.id).sort()).toEqual([...accepted].sort());
    });
  });
}
