import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimitedServer } from '../../src/entrypoints/node/server-limits.js';
import { RecordingLogger } from '../helpers/fakes.js';
import { openSocket } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait-for.js';

/** Far more than loopback's socket buffers hold, so a client that does not read leaves it unsent. */
const ANSWER_BYTES = 1024 * 1024;
const PIPELINED_REQUESTS = 64;
const WRITE_TIMEOUT_MS = 300;

describe('createLimitedServer: a response that is not being read', () => {
  let server: Server;
  let baseUrl: string;
  const sockets: Socket[] = [];

  async function start(): Promise<void> {
    const answer = Buffer.alloc(ANSWER_BYTES, 'x');
    server = createLimitedServer(
      (_incoming, outgoing) => {
        outgoing.writeHead(200, { 'content-type': 'text/plain', 'content-length': answer.length });
        outgoing.end(answer);
      },
      new RecordingLogger(),
      { writeTimeoutMs: WRITE_TIMEOUT_MS },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const openConnections = () =>
    new Promise<number>((resolve, reject) =>
      server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('drops the connection of a client that sends requests and never reads the answers', async () => {
    await start();
    const socket = await openSocket(baseUrl);
    sockets.push(socket);
    // Paused: the answers stay in the operating system's buffers, then in the server's memory.
    socket.pause();
    socket.on('error', () => {});
    socket.write('GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(PIPELINED_REQUESTS));
    expect(await openConnections()).toBe(1);

    // The client, not reading, cannot see the close: the server's count of connections shows it.
    await waitFor(async () => ((await openConnections()) === 0 ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the server to drop the connection',
    });
  });

  it('keeps the connection of a client that reads, however large the answers', async () => {
    await start();
    for (let i = 0; i < 4; i++) {
      const res = await request(`${baseUrl}/big`);
      expect(res.statusCode).toBe(200);
      expect((await res.body.arrayBuffer()).byteLength).toBe(ANSWER_BYTES);
    }
  });
});
