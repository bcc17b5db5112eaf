import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answeringOnlyForBoundHost } from '../../src/entrypoints/node/bound-host.js';
import { rawExchange } from '../helpers/raw-http.js';

describe('answeringOnlyForBoundHost', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /** A server on `listenOn` that answers 204 to what the guard lets through; its base URL. */
  async function listen(listenOn: string, boundHost = listenOn): Promise<string> {
    server = createServer(answeringOnlyForBoundHost((_req, res) => res.writeHead(204).end(), boundHost));
    await new Promise<void>((resolve) => server?.listen(0, listenOn, resolve));
    const { port } = server.address() as AddressInfo;
    return `http://${listenOn.includes(':') ? `[${listenOn}]` : listenOn}:${port}`;
  }

  const statusFor = async (base: string, host: string) => {
    const port = new URL(base).port;
    const head = ['GET /healthz HTTP/1.1', `Host: ${host.replace('PORT', port)}`, 'Connection: close'];
    return (await rawExchange(base, head)).status;
  };

  it('on IPv6 loopback: [::1] with or without the port, localhost; not another address or port', async () => {
    const base = await listen('::1');
    for (const host of ['[::1]', '[::1]:PORT', 'localhost:PORT']) expect(await statusFor(base, host), host).toBe(204);
    for (const host of ['[::2]:PORT', '[::1]:1', '::1', 'rebind.test:PORT', '[::1]:PORT.evil']) {
      expect(await statusFor(base, host), host).toBe(421);
    }
  });

  it('bound as localhost: the address the connection arrived on counts as the bound one', async () => {
    const base = await listen('127.0.0.1', 'localhost');
    for (const host of ['localhost', '127.0.0.1:PORT']) expect(await statusFor(base, host), host).toBe(204);
    expect(await statusFor(base, '127.0.0.2:PORT')).toBe(421);
  });

  it('answers a request without Host 421 too', async () => {
    const base = await listen('127.0.0.1');
    const res = await rawExchange(base, ['GET /healthz HTTP/1.0']);
    expect(res.status).toBe(421);
    expect(res.body).toMatchObject({ status: 421, code: 'MISDIRECTED_REQUEST' });
    expect(res.headers['content-type']).toBe('application/problem+json');
  });
});
