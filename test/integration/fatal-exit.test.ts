import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FatalExit } from '../../src/entrypoints/node/fatal-exit.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server whose requests wait in `held` until the test answers them. */
async function holdingServer(fatal: FatalExit): Promise<{ port: number; held: ServerResponse[]; server: Server }> {
  const held: ServerResponse[] = [];
  const server = createServer(fatal.counting((_req, res) => held.push(res)));
  servers.push(server);
  fatal.serving(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, held, server };
}

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('FatalExit', () => {
  it('stops taking connections, and exits with the first fault’s code once the requests in flight are answered', async () => {
    const exits: number[] = [];
    const fatal = new FatalExit((code) => exits.push(code));
    const { port, held, server } = await holdingServer(fatal);
    const answered = get(port);
    await expect.poll(() => held.length).toBe(1);

    fatal.now(74);
    fatal.now(70);
    expect(server.listening).toBe(false);
    expect(exits).toEqual([]);

    held[0]?.writeHead(503).end();
    expect(await answered).toBe(503);
    await expect.poll(() => exits).toEqual([74]);
  });

  it('exits at once when nothing is in flight', () => {
    const exits: number[] = [];
    new FatalExit((code) => exits.push(code)).now(70);
    expect(exits).toEqual([70]);
  });
});
