import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService } from '../helpers/spawned-herald.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** The README's command, as a newcomer runs it: `npm start` builds the server and serves. */
describe('npm start', () => {
  let vendor: Vendor;
  let dir: string;
  beforeAll(async () => {
    vendor = await startVendor();
    dir = mkdtempSync(join(tmpdir(), 'herald-npm-start-'));
  });
  afterAll(async () => {
    await vendor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds, names the API and console URLs as it starts, serves both, delivers, and stops on SIGTERM', async () => {
    const npm = await spawnService(
      'npm',
      ['start', '--silent'],
      { HERALD_DB_PATH: join(dir, 'herald.db'), HERALD_LOG_LEVEL: 'info' },
      30_000,
    );
    const herald = npm.client;
    try {
      // The start-up line says where to go: the API and the console, on the address it bound.
      const started = npm
        .output()
        .split('\n')
        .find((line) => line.includes('Herald is listening'));
      expect(JSON.parse(started ?? '{}').msg).toBe(
        `Herald is listening: the API at ${herald.baseUrl}/v1, the console at ${herald.baseUrl}/console`,
      );
      // The root sends a browser to the console.
      const root = await herald.call('GET', '/');
      expect([root.status, root.headers.location]).toEqual([302, '/console']);

      const sent = await herald.send({ url: `${vendor.url}/ok`, body: { hello: 'npm start' } });
      expect(sent.status).toBe(202);
      expect((await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED'])).status).toBe('SUCCESS');
      // The build made the console too, and the server serves it.
      const page = await herald.call('GET', '/console');
      expect(page.status).toBe(200);
      expect(page.body).toContain('/console/app.js');
      expect((await herald.call('GET', '/console/app.js')).status).toBe(200);
    } finally {
      npm.process.kill('SIGTERM');
    }
    // npm itself ends on the signal or with the server's exit code, depending on the npm version.
    expect([0, 'SIGTERM']).toContain(await npm.exited);
    // npm passed the signal on to the server, which drained and exited: the port closes.
    await waitFor(
      async () => {
        try {
          await herald.call('GET', '/healthz');
          return undefined;
        } catch {
          return true;
        }
      },
      { timeoutMs: 15_000, what: 'the server to exit after SIGTERM' },
    );
  }, 60_000);
});
