import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHerald } from '../helpers/spawned-herald.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** README: a kill -9 at any moment, then a restart, and every accepted notification still ends SUCCESS. */
describe('durability of the single-process service', () => {
  let vendor: Vendor;
  let dir: string;
  beforeAll(async () => {
    vendor = await startVendor();
    dir = mkdtempSync(join(tmpdir(), 'herald-crash-'));
  });
  afterAll(async () => {
    await vendor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing accepted when killed with SIGKILL mid-run', async () => {
    const env = {
      HERALD_DB_PATH: join(dir, 'crash.db'),
      // Not what this test is about: the fail-first 503s answer at once while the 200s take 300 ms, so a
      // burst of 24 sends sees 5 failures before any success and opens the breaker, whose 30 s cool-down
      // (late 200s no longer close it) would outlast the wait below.
      HERALD_BREAKER_FAILURES: '1000',
    };
    const first = await spawnHerald(env);
    const accepted: string[] = [];
    let stop = false;

    // 8 callers send as fast as the service answers; the vendor takes 300 ms per request, so the kill
    // lands while ingest, deliveries and retries (every 4th notification fails once) are in flight.
    const callers = Array.from({ length: 8 }, async (_, caller) => {
      for (let i = 0; !stop; i += 1) {
        const path = i % 4 === 0 ? '/fail-first/1' : '/slow/300';
        try {
          const res = await first.client.send({ url: `${vendor.url}${path}`, metadata: { caller, i } });
          if (res.status === 202) accepted.push(res.body.id);
        } catch {
          return; // the connection died with the process: this one was never accepted
        }
      }
    });
    await waitFor(() => (accepted.length >= 150 ? true : undefined), { timeoutMs: 30_000, what: '150 accepted' });
    first.process.kill('SIGKILL');
    stop = true;
    expect(await first.exited).toBe('SIGKILL');
    await Promise.all(callers);
    const deliveredBeforeRestart = new Set(vendor.requests.map((r) => r.headers['x-herald-notification-id']));
    expect(accepted.some((id) => !deliveredBeforeRestart.has(id))).toBe(true); // the kill did interrupt work

    const second = await spawnHerald(env);
    try {
      // What was still short of SUCCESS at the last look, so that a timeout says which and why.
      let short: unknown;
      await waitFor(
        async () => {
          const { body } = await second.client.call('GET', '/v1/notifications?status=SUCCESS&limit=100');
          if (body.items.length === 0) return undefined;
          for (const id of accepted) {
            const res = await second.client.get(id);
            if (res.body.status !== 'SUCCESS') {
              const destination = await second.client.call('GET', `/v1/destinations/${encodeURIComponent(vendor.url)}`);
              short = { notification: res.body, destination: destination.body };
              return undefined;
            }
          }
          return true;
        },
        { timeoutMs: 45_000, intervalMs: 250, what: `all ${accepted.length} accepted notifications to reach SUCCESS` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; the first one short of it: ${JSON.stringify(short)}`);
      });
      const delivered = new Set(vendor.requests.map((r) => r.headers['x-herald-notification-id']));
      for (const id of accepted) expect(delivered.has(id)).toBe(true);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  }, 120_000);

  it('drains deliveries in flight on SIGTERM before exiting', async () => {
    const env = { HERALD_DB_PATH: join(dir, 'drain.db') };
    const herald = await spawnHerald(env);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push((await herald.client.send({ url: `${vendor.url}/slow/1500` })).body.id);
    }
    await waitFor(() => (ids.every((id) => vendor.requestsFor(id).length > 0) ? true : undefined), {
      what: 'the vendor to receive all five',
    });
    herald.process.kill('SIGTERM');
    expect(await herald.exited).toBe(0);

    // Reopen the same file read-only through a fresh service: all five were recorded before exit.
    const after = await spawnHerald(env);
    try {
      for (const id of ids) {
        const res = await after.client.get(id);
        expect(res.body.status).toBe('SUCCESS');
        expect(vendor.requestsFor(id)).toHaveLength(1);
      }
    } finally {
      after.process.kill('SIGTERM');
      await after.exited;
    }
  }, 60_000);
});
