import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { UndiciHttpSender } from '../../src/adapters/http/undici-sender.js';
import type { OutgoingRequest } from '../../src/ports/http-sender.js';
import { silentLogger } from '../../src/ports/logger.js';

interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

interface TestServer {
  port: number;
  received: Received[];
  connections: number;
}

const servers: Server[] = [];
const senders: UndiciHttpSender[] = [];

afterEach(async () => {
  await Promise.all(senders.splice(0).map((sender) => sender.close()));
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A loopback server that records every request (after reading its body) and every connection. */
async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const state: TestServer = { port: 0, received: [], connections: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(req, res);
    });
  });
  server.on('connection', () => {
    state.connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

function makeSender(options: Partial<ConstructorParameters<typeof UndiciHttpSender>[0]> = {}): UndiciHttpSender {
  const sender = new UndiciHttpSender({ allowPrivateTargets: true, ...options });
  senders.push(sender);
  return sender;
}

function request(url: string, overrides: Partial<OutgoingRequest> = {}): OutgoingRequest {
  return { url, method: 'POST', headers: {}, body: null, timeoutMs: 5_000, ...overrides };
}

describe('UndiciHttpSender', () => {
  it('reports a 200 with its body, status text and response time', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/hook`));
    expect(exchange).toMatchObject({
      kind: 'response',
      statusCode: 200,
      statusText: 'OK',
      retryAfter: null,
      body: '{"ok":true}',
    });
    expect(exchange.responseTimeMs).toBeGreaterThanOrEqual(0);
    expect(exchange.responseTimeMs).toBeLessThan(5_000);
  });

  it('sends exactly the given method, path, headers and body, adding only HTTP framing', async () => {
    const server = await startServer((_req, res) => res.writeHead(204).end());
    const exchange = await makeSender().send(
      request(`http://127.0.0.1:${server.port}/v1/messages?channel=ops&x=1`, {
        method: 'PUT',
        headers: {
          'Content-Type': 'text/plain; charset=utf-8',
          'X-Custom-Thing': 'abc 123',
          Authorization: 'Bearer t',
        },
        body: 'héllo, vendor',
      }),
    );
    expect(exchange).toMatchObject({ kind: 'response', statusCode: 204, statusText: 'No Content', body: '' });
    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received?.method).toBe('PUT');
    expect(received?.url).toBe('/v1/messages?channel=ops&x=1');
    expect(received?.body).toBe('héllo, vendor');
    const headers = new Map<string, string>();
    const raw = received?.rawHeaders ?? [];
    for (let i = 0; i < raw.length; i += 2) headers.set((raw[i] ?? '').toLowerCase(), raw[i + 1] ?? '');
    expect(headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(headers.get('x-custom-thing')).toBe('abc 123');
    expect(headers.get('authorization')).toBe('Bearer t');
    expect(headers.get('content-length')).toBe(String(Buffer.byteLength('héllo, vendor')));
    expect(headers.get('host')).toBe(`127.0.0.1:${server.port}`);
    // Nothing of the sender's own: no user-agent, accept, or the like.
    expect([...headers.keys()].sort()).toEqual(
      ['authorization', 'connection', 'content-length', 'content-type', 'host', 'x-custom-thing'].sort(),
    );
  });

  it('reports a 503 with its Retry-After header', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(503, { 'retry-after': '120' }).end('maintenance');
    });
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/`));
    expect(exchange).toMatchObject({
      kind: 'response',
      statusCode: 503,
      statusText: 'Service Unavailable',
      retryAfter: '120',
      body: 'maintenance',
    });
  });

  it('returns a redirect as a response and never follows it', async () => {
    const target = await startServer((_req, res) => res.writeHead(200).end('followed'));
    const server = await startServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/elsewhere` }).end();
    });
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/`));
    expect(exchange).toMatchObject({ kind: 'response', statusCode: 302, statusText: 'Found' });
    expect(target.received).toHaveLength(0);
    expect(target.connections).toBe(0);
  });

  it('times out a server that never answers, within about timeoutMs', async () => {
    const server = await startServer(() => {
      /* never answers */
    });
    const started = performance.now();
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/`, { timeoutMs: 300 }));
    const took = performance.now() - started;
    expect(exchange).toMatchObject({ kind: 'failure', reason: 'TIMEOUT', code: 'ATTEMPT_TIMEOUT' });
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(1_500);
    expect(server.received).toHaveLength(1);
  });

  it('times out a response whose body never completes', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part of it');
    });
    const started = performance.now();
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/`, { timeoutMs: 300 }));
    expect(exchange).toMatchObject({ kind: 'failure', reason: 'TIMEOUT' });
    expect(exchange.kind === 'failure' && exchange.message).toContain('response body');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('reports a refused connection as NETWORK ECONNREFUSED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sender = makeSender();
    for (const host of ['127.0.0.1', 'localhost']) {
      const exchange = await sender.send(request(`http://${host}:${port}/`));
      expect(exchange).toMatchObject({ kind: 'failure', reason: 'NETWORK', code: 'ECONNREFUSED' });
      expect(exchange.kind === 'failure' && exchange.message).toContain('ECONNREFUSED');
    }
  });

  it('reports a connection closed before any response as NETWORK', async () => {
    const server = await startServer((req) => req.socket.destroy());
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/`));
    expect(exchange).toMatchObject({ kind: 'failure', reason: 'NETWORK' });
    expect(exchange.kind === 'failure' && exchange.code).toMatch(/^(ECONNRESET|UND_ERR_SOCKET)$/);
  });

  it.each([
    ['with Content-Length', true],
    ['chunked', false],
  ])('keeps only the first bytes of a 5 MB body (%s) and returns promptly', async (_name, withLength) => {
    const size = 5 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const server = await startServer((_req, res) => {
      res.writeHead(200, withLength ? { 'content-length': String(size) } : {});
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
    });
    const started = performance.now();
    const exchange = await makeSender({ responseBodyLimitBytes: 4096 }).send(
      request(`http://127.0.0.1:${server.port}/`, { method: 'GET' }),
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(exchange.kind).toBe('response');
    expect(exchange.kind === 'response' && exchange.body).toBe('a'.repeat(4096));
  });

  it('cuts off a 50 MB body instead of downloading it: the server never gets to finish writing', async () => {
    const size = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'b');
    let written = 0;
    let outcome: 'finished' | 'cut off' | null = null;
    const server = await startServer((_req, res) => {
      res.writeHead(200);
      res.on('finish', () => {
        outcome = 'finished';
      });
      res.on('close', () => {
        outcome ??= 'cut off';
      });
      res.on('error', () => {});
      const pump = () => {
        while (written < size) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const exchange = await makeSender().send(request(`http://127.0.0.1:${server.port}/`, { method: 'GET' }));
    expect(exchange.kind === 'response' && exchange.body).toBe('b'.repeat(4096));
    await expect.poll(() => outcome, { timeout: 2_000 }).toBe('cut off');
    expect(written).toBeLessThan(size / 2);
  });

  it('cuts the body on a character boundary', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('ab€€'));
    const exchange = await makeSender({ responseBodyLimitBytes: 6 }).send(request(`http://127.0.0.1:${server.port}/`));
    expect(exchange.kind === 'response' && exchange.body).toBe('ab€');
  });

  // undici checks an idle keep-alive socket for a pending FIN/RST during one event-loop turn before
  // reusing it (GHSA-35p6-xmwp-9g52); a request issued within that same turn gets another socket
  // unless the pool may not open one. A real worker always passes a turn between deliveries.
  it('reuses one keep-alive socket for sequential requests', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('small'));
    const sender = makeSender();
    const first = await sender.send(request(`http://127.0.0.1:${server.port}/a`));
    await nextTurn();
    const second = await sender.send(request(`http://127.0.0.1:${server.port}/b`));
    expect(first).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(second).toMatchObject({ kind: 'response', statusCode: 200 });
    expect(server.received).toHaveLength(2);
    expect(server.connections).toBe(1);
  });

  it('with connectionsPerOrigin 1, queues back-to-back requests on the one socket', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('small'));
    const sender = makeSender({ connectionsPerOrigin: 1 });
    for (const path of ['/a', '/b', '/c']) {
      expect(await sender.send(request(`http://127.0.0.1:${server.port}${path}`))).toMatchObject({ statusCode: 200 });
    }
    expect(server.received).toHaveLength(3);
    expect(server.connections).toBe(1);
  });

  it('keeps the socket after a body slightly over the limit (drained, not cut)', async () => {
    const server = await startServer((_req, res) => res.writeHead(200).end('x'.repeat(10_000)));
    const sender = makeSender({ responseBodyLimitBytes: 100 });
    const first = await sender.send(request(`http://127.0.0.1:${server.port}/a`));
    await nextTurn();
    const second = await sender.send(request(`http://127.0.0.1:${server.port}/b`));
    expect(first.kind === 'response' && first.body).toBe('x'.repeat(100));
    expect(second.kind === 'response' && second.body).toBe('x'.repeat(100));
    expect(server.connections).toBe(1);
  });

  it('refuses non-http URLs as a permanent failure', async () => {
    const exchange = await makeSender().send(request('ftp://127.0.0.1/file'));
    expect(exchange).toMatchObject({ kind: 'failure', reason: 'BLOCKED_TARGET', code: 'UNSUPPORTED_PROTOCOL' });
  });

  describe('with private targets not allowed', () => {
    it.each([
      ['dotted loopback', (port: number) => `http://127.0.0.1:${port}/`],
      ['decimal integer host', (port: number) => `http://2130706433:${port}/`],
      ['hex integer host', (port: number) => `http://0x7f000001:${port}/`],
      ['short dotted host', (port: number) => `http://127.1:${port}/`],
      ['IPv4-mapped IPv6', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
      ['IPv6 loopback', (port: number) => `http://[::1]:${port}/`],
      ['a name resolving to loopback', (port: number) => `http://localhost:${port}/`],
    ])('blocks %s before connecting', async (_name, makeUrl) => {
      const server = await startServer((_req, res) => res.writeHead(200).end('reached'));
      const exchange = await makeSender({ allowPrivateTargets: false }).send(request(makeUrl(server.port)));
      expect(exchange).toMatchObject({ kind: 'failure', reason: 'BLOCKED_TARGET', code: 'BLOCKED_TARGET' });
      expect(exchange.kind === 'failure' && exchange.message).toMatch(/blocked/);
      expect(server.connections).toBe(0);
      expect(server.received).toHaveLength(0);
    });

    it('tells API readers the kind of address that blocked a name, never the address it resolved to, and logs that for operators', async () => {
      const server = await startServer((_req, res) => res.writeHead(200).end());
      const logged: { fields: Record<string, unknown>; message: string }[] = [];
      const logger = {
        ...silentLogger,
        warn: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }),
      };
      const exchange = await makeSender({ allowPrivateTargets: false, logger }).send(
        request(`http://localhost:${server.port}/hook`, { headers: { 'X-Herald-Notification-Id': 'ntf_blocked' } }),
      );

      expect(exchange).toMatchObject({
        kind: 'failure',
        reason: 'BLOCKED_TARGET',
        code: 'BLOCKED_TARGET',
        message: 'the target resolves to a blocked address (loopback)',
      });
      expect(logged).toHaveLength(1);
      expect(logged[0]?.fields).toMatchObject({ target: `localhost:${server.port}`, notificationId: 'ntf_blocked' });
      expect(String(logged[0]?.fields.blocked)).toMatch(/(127\.0\.0\.1|::1) \(loopback\)/);
    });

    it('names an address literal’s kind without the address it carries', async () => {
      const exchange = await makeSender({ allowPrivateTargets: false, logger: silentLogger }).send(
        request('http://[::ffff:10.1.2.3]:8080/'),
      );
      expect(exchange).toMatchObject({
        code: 'BLOCKED_TARGET',
        message: 'the target is a blocked address (IPv4-mapped, private)',
      });
    });

    it('blocks every request to the origin, not only the first', async () => {
      const server = await startServer((_req, res) => res.writeHead(200).end());
      const sender = makeSender({ allowPrivateTargets: false });
      const url = `http://localhost:${server.port}/`;
      const results = await Promise.all([sender.send(request(url)), sender.send(request(url))]);
      const again = await sender.send(request(url));
      for (const exchange of [...results, again]) expect(exchange).toMatchObject({ reason: 'BLOCKED_TARGET' });
      expect(server.connections).toBe(0);
    });
  });
});
