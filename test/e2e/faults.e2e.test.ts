import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeraldClient } from '../helpers/herald-client.js';
import { orderViolations } from '../helpers/ordering.js';
import { type SpawnedHerald, spawnHerald } from '../helpers/spawned-herald.js';
import { startVendor, type Vendor, type VendorRequest } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Faults of the single-process service, run as its own process (spawnHerald, as `npm start` runs it):
 * SIGKILL three times under mixed load, twice under ordered traffic, a full disk at ingest, and a
 * failing fdatasync.
 */

const CONCURRENCY = 16;
const NOTIFICATIONS = 300;
const KILLS = 3;
/** The service as a test runs it: every delivery slot may go to the one vendor, and no breaker opens. */
const FAULT_ENV = {
  HERALD_DELIVERY_CONCURRENCY: String(CONCURRENCY),
  HERALD_DESTINATION_CONCURRENCY: String(CONCURRENCY),
  HERALD_BREAKER_FAILURES: '1000',
};

interface Planned {
  index: number;
  path: string;
  key?: string;
  /** Sent again with the same key and content once accepted: must answer 200 with the same id. */
  replay: boolean;
}

describe('faults of the single-process service (its own process)', () => {
  let vendor: Vendor;
  let dir: string;
  const running = new Set<SpawnedHerald>();
  beforeAll(async () => {
    vendor = await startVendor();
    dir = mkdtempSync(join(tmpdir(), 'herald-faults-'));
  });
  afterAll(async () => {
    for (const herald of running) {
      herald.process.kill('SIGKILL');
      await herald.exited;
    }
    await vendor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<SpawnedHerald> {
    const herald = await spawnHerald(env);
    running.add(herald);
    void herald.exited.then(() => running.delete(herald));
    return herald;
  }

  /** The service across its kills: callers await `up` for the live incarnation while one replaces another. */
  async function incarnations(env: Record<string, string>) {
    let herald = await start(env);
    const service = {
      up: Promise.resolve(herald.client),
      get client() {
        return herald.client;
      },
      /** SIGKILL, wait until the vendor has answered the dead process, `whileDown()`, start again. */
      async killAndRestart(whileDown: () => void): Promise<void> {
        let revived: (client: HeraldClient) => void = () => {};
        service.up = new Promise((resolve) => {
          revived = resolve;
        });
        herald.process.kill('SIGKILL');
        expect(await herald.exited).toBe('SIGKILL');
        await waitFor(() => (vendor.inFlight === 0 ? true : undefined), { what: 'the vendor to answer the dead' });
        whileDown();
        herald = await start(env);
        revived(herald.client);
      },
    };
    return service;
  }

  it(`delivers everything accepted through ${KILLS} SIGKILLs, with duplicates bounded by what was in flight`, async () => {
    const env = { ...FAULT_ENV, HERALD_DB_PATH: join(dir, 'kills.db') };
    const runId = Date.now().toString(36);
    // A third carry an idempotency key (a quarter of those are sent again), a fifth fail twice first.
    const plan: Planned[] = Array.from({ length: NOTIFICATIONS }, (_, index) => ({
      index,
      path: index % 5 === 0 ? '/fail-first/2' : '/ok',
      ...(index % 3 === 0 ? { key: `fault-${runId}-${index}` } : {}),
      replay: index % 12 === 0,
    }));
    const accepted = new Map<number, string>(); // plan index → notification id
    let replays = 0;

    const herald = await incarnations(env);

    const send = async (client: HeraldClient, item: Planned) => {
      const notification = { url: `${vendor.url}${item.path}`, body: { index: item.index }, metadata: { runId } };
      return client.send(notification, item.key ? { 'Idempotency-Key': item.key } : undefined);
    };
    const queue = [...plan];
    const callers = Array.from({ length: 6 }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const client = await herald.up;
        let res: Awaited<ReturnType<typeof send>>;
        try {
          res = await send(client, item);
        } catch {
          // The process died under the request: not accepted. Sent again to the next incarnation (a
          // keyless one may then exist twice, once unacknowledged; only acknowledged ids are counted).
          queue.push(item);
          continue;
        }
        if (res.status === 202 || res.status === 200) {
          const known = accepted.get(item.index);
          if (known !== undefined) expect(res.body.id).toBe(known);
          accepted.set(item.index, res.body.id);
          if (item.replay && known === undefined) queue.push(item);
          if (item.replay && known !== undefined) {
            expect(res.status).toBe(200);
            replays += 1;
          }
        } else {
          throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
        }
      }
    });

    // Kill when a quarter, half and three quarters are accepted: ingest, deliveries and retries are
    // all in flight then. Each kill's boundary is the vendor's receipt count once the dead process's
    // last requests have landed.
    const boundaries: number[] = [];
    /** Per kill: accepted notifications the vendor had not yet answered 2xx (waiting, in flight or in retry). */
    const unfinishedAtKill: number[] = [];
    const finished = (index: number, id: string) =>
      vendor.requestsFor(id).length >= (plan[index]?.path === '/ok' ? 1 : 3);
    const killer = (async () => {
      for (let kill = 1; kill <= KILLS; kill += 1) {
        const threshold = Math.floor((NOTIFICATIONS * kill) / (KILLS + 1));
        await waitFor(() => (accepted.size >= threshold ? true : undefined), {
          timeoutMs: 60_000,
          what: `${threshold} accepted before kill ${kill}`,
        });
        await herald.killAndRestart(() => {
          boundaries.push(vendor.requests.length);
          unfinishedAtKill.push([...accepted].filter(([index, id]) => !finished(index, id)).length);
        });
      }
    })();
    await Promise.all([killer, ...callers]);
    expect(accepted.size).toBe(NOTIFICATIONS);

    const ids = [...accepted.values()];
    await waitFor(
      async () => {
        for (const id of ids) {
          const res = await herald.client.get(id);
          if (res.body.status !== 'SUCCESS') return undefined;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `all ${ids.length} accepted notifications to reach SUCCESS` },
    );
    // SUCCESS means the vendor answered 2xx: the first request of an /ok one, the third of the others.
    for (const [index, id] of accepted) expect(finished(index, id)).toBe(true);

    // A duplicate is a receipt of an attempt (notification id, attempt number) the vendor had already
    // received: a delivery whose outcome the killed process never recorded, sent again after the
    // restart. It belongs to the kill between it and the previous receipt of that attempt.
    const lastReceipt = new Map<string, number>();
    const duplicatesPerKill = Array<number>(KILLS).fill(0);
    let duplicatesWithoutKill = 0;
    const receiptsBeyondFirst = new Map<string, number>();
    vendor.requests.forEach((request: VendorRequest, index) => {
      const id = String(request.headers['x-herald-notification-id'] ?? '');
      if (!id) return;
      receiptsBeyondFirst.set(id, (receiptsBeyondFirst.get(id) ?? -1) + 1);
      const attempt = `${id}#${request.headers['x-herald-attempt']}`;
      const previous = lastReceipt.get(attempt);
      lastReceipt.set(attempt, index);
      if (previous === undefined) return;
      const kill = boundaries.findIndex((boundary) => previous < boundary && boundary <= index);
      if (kill === -1) duplicatesWithoutKill += 1;
      else duplicatesPerKill[kill] = (duplicatesPerKill[kill] ?? 0) + 1;
    });
    const beyondFirst = [...receiptsBeyondFirst.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      `faults: ${ids.length} accepted (${replays} replays answered 200), ${vendor.requests.length} vendor receipts, ` +
        `${beyondFirst} beyond the first per notification (retries of the 503 slice included); ` +
        `unfinished at each kill: ${JSON.stringify(unfinishedAtKill)}; ` +
        `duplicates per kill: ${JSON.stringify(duplicatesPerKill)} (bound ${CONCURRENCY} each)`,
    );
    // The kills did interrupt work: something accepted was not yet delivered when one landed.
    expect(unfinishedAtKill.some((n) => n > 0)).toBe(true);
    expect(duplicatesWithoutKill).toBe(0);
    for (const duplicates of duplicatesPerKill) expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
  }, 240_000);

  it('keeps every ordering key in order through two SIGKILLs', async () => {
    const env = { ...FAULT_ENV, HERALD_DB_PATH: join(dir, 'ordered.db') };
    const runId = Date.now().toString(36);
    const keys = 10;
    const perKey = 12;
    const lines = new Map<string, string[]>();
    const herald = await incarnations(env);
    let acceptedCount = 0;

    // Each key's notifications one after another, each once the previous is acknowledged; a request
    // the dying process did not answer is sent again, with the same idempotency key, to the next one.
    const senders = Array.from({ length: keys }, async (_, k) => {
      const key = `${runId}-key-${k}`;
      const ids: string[] = [];
      lines.set(key, ids);
      for (let i = 0; i < perKey; i++) {
        const notification = { url: `${vendor.url}/flaky`, orderingKey: key, body: { k, i }, maxAttempts: 10 };
        for (;;) {
          const client = await herald.up;
          try {
            const res = await client.send(notification, { 'Idempotency-Key': `${key}-${i}` });
            expect([200, 202]).toContain(res.status);
            ids.push(res.body.id);
            acceptedCount += 1;
            break;
          } catch {
            // The process died under the request: try again on the next incarnation.
          }
        }
      }
    });
    const unfinishedAtKill: number[] = [];
    const killer = (async () => {
      for (const share of [1 / 3, 2 / 3]) {
        const threshold = Math.floor(keys * perKey * share);
        await waitFor(() => (acceptedCount >= threshold ? true : undefined), {
          timeoutMs: 60_000,
          what: 'acceptances',
        });
        await herald.killAndRestart(() => {
          const succeeded = (id: string) => vendor.requestsFor(id).some((r) => r.statusCode === 200);
          unfinishedAtKill.push([...lines.values()].flat().filter((id) => !succeeded(id)).length);
        });
      }
    })();
    await Promise.all([killer, ...senders]);

    const ids = [...lines.values()].flat();
    expect(ids).toHaveLength(keys * perKey);
    for (const id of ids) expect((await herald.client.waitForStatus(id, ['SUCCESS'], 60_000)).status).toBe('SUCCESS');
    expect(unfinishedAtKill.every((n) => n > 0)).toBe(true);
    expect(orderViolations(lines, vendor.requests)).toEqual([]);
  }, 180_000);

  it('answers 503 SYSTEM_ERROR when the disk is full at ingest, and keeps serving reads', async () => {
    const env = { ...FAULT_ENV, HERALD_DB_PATH: join(dir, 'full.db') };
    const first = await start(env);
    const stored: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await first.client.send({ url: `${vendor.url}/ok`, body: { i } });
      expect(res.status).toBe(202);
      stored.push(res.body.id);
    }
    for (const id of stored) await first.client.waitForStatus(id, ['SUCCESS']);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // The same file, capped at its size: nothing that needs a new page fits (SQLITE_FULL).
    const full = await start({ ...env, HERALD_DB_MAX_PAGE_COUNT: '1' });
    const large = { url: `${vendor.url}/ok`, body: 'x'.repeat(64 * 1024) };
    for (let i = 0; i < 3; i += 1) {
      const res = await full.client.send(large);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('SYSTEM_ERROR');
    }
    const keyed = await full.client.send(large, { 'Idempotency-Key': 'disk-full' });
    expect(keyed.status).toBe(503);

    expect((await full.client.call('GET', '/healthz')).status).toBe(200);
    for (const id of stored) {
      const res = await full.client.get(id);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('SUCCESS');
      expect((await full.client.call('GET', `/v1/notifications/${id}/attempts`)).body.attempts).toHaveLength(1);
    }
    const listed = await full.client.call('GET', '/v1/notifications?limit=100');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id).sort()).toEqual([...stored].sort());
    expect(full.process.exitCode).toBeNull();
    full.process.kill('SIGTERM');
    expect(await full.exited).toBe(0);

    // Room again: the same keyed request is accepted as new (nothing of it was stored) and delivered.
    const roomy = await start(env);
    const again = await roomy.client.send(large, { 'Idempotency-Key': 'disk-full' });
    expect(again.status).toBe(202);
    expect(await roomy.client.waitForStatus(again.body.id, ['SUCCESS'])).toMatchObject({ attempts: 1 });
    roomy.process.kill('SIGTERM');
    expect(await roomy.exited).toBe(0);
  }, 90_000);

  it('exits 74 when an fdatasync of its file fails, acknowledges nothing after it, and a restart delivers what it accepted', async () => {
    // While this file exists every fdatasync of the WAL fails with EIO, as on a failing disk.
    const trigger = join(dir, 'fail-fdatasync');
    const env = { ...FAULT_ENV, HERALD_DB_PATH: join(dir, 'fsync.db'), HERALD_DB_FAIL_SYNC_WHILE_EXISTS: trigger };
    const destination = `/v1/destinations/${encodeURIComponent(vendor.url)}`;
    const first = await start(env);
    const known = await first.client.send({ url: `${vendor.url}/ok`, body: { first: true } });
    expect(known.status).toBe(202);
    const accepted: string[] = [known.body.id];
    // Paused, so what is accepted next is still to be delivered when the process ends.
    expect((await first.client.call('POST', `${destination}/pause`)).status).toBe(200);
    for (let i = 0; i < 5; i += 1) {
      const res = await first.client.send({ url: `${vendor.url}/ok`, body: { i } });
      expect(res.status).toBe(202);
      accepted.push(res.body.id);
    }

    writeFileSync(trigger, '');
    const covered = await first.client.send({ url: `${vendor.url}/ok`, body: { covered: true } });
    expect(covered.status).toBe(503);
    expect(covered.body.code).toBe('SYSTEM_ERROR');
    expect(await first.exited).toBe(74);
    expect(first.output()).toContain('an fdatasync of the SQLite database failed');

    // The disk answers again; the restart recovers from the WAL and delivers everything accepted before.
    unlinkSync(trigger);
    const restarted = await start(env);
    expect((await restarted.client.call('POST', `${destination}/resume`)).status).toBe(200);
    for (const id of accepted) {
      expect(await restarted.client.waitForStatus(id, ['SUCCESS'], 30_000)).toMatchObject({ status: 'SUCCESS' });
    }
    restarted.process.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  }, 90_000);

  it('exits 74 when the delivery thread’s fdatasync fails, and a restart delivers what was accepted', async () => {
    // A vendor that answers when told: the first request is held until the trigger is in place,
    // then fails, which opens the breaker (one failure) and has the thread write the record on disk.
    const held: ServerResponse[] = [];
    let answer = 500;
    const holding = createServer((req, res) => {
      req.resume();
      if (answer === 500) held.push(res);
      else res.writeHead(answer).end();
    });
    await new Promise<void>((resolve) => holding.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(holding.address() as AddressInfo).port}/hook`;
    const trigger = join(dir, 'fail-thread-fdatasync');
    const env = {
      ...FAULT_ENV,
      HERALD_BREAKER_FAILURES: '1',
      HERALD_BREAKER_COOLDOWN_MS: '100',
      HERALD_DB_PATH: join(dir, 'thread-fsync.db'),
      HERALD_DB_FAIL_SYNC_WHILE_EXISTS: trigger,
    };
    try {
      const first = await start(env);
      const accepted = await first.client.send({ url: target });
      expect(accepted.status).toBe(202);
      await waitFor(() => (held.length === 1 ? true : undefined), { what: 'the delivery to reach the vendor' });

      writeFileSync(trigger, '');
      held[0]?.writeHead(500).end();
      expect(await first.exited).toBe(74);
      expect(first.output()).toMatch(/"thread":"delivery"/);

      unlinkSync(trigger);
      answer = 200;
      const restarted = await start(env);
      expect(await restarted.client.waitForStatus(accepted.body.id, ['SUCCESS'], 30_000)).toMatchObject({
        status: 'SUCCESS',
      });
      restarted.process.kill('SIGTERM');
      expect(await restarted.exited).toBe(0);
    } finally {
      for (const res of held) res.destroy();
      holding.closeAllConnections();
      await new Promise((resolve) => holding.close(resolve));
    }
  }, 90_000);
});
