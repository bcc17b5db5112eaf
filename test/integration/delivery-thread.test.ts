import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningHerald, startHerald } from '../../src/entrypoints/node/herald-server.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

const FINAL = ['SUCCESS', 'FAILED'];

/**
 * A vendor on a thread of its own, answering 200 after `delayMs`: it answers while the test's thread
 * (Herald's main thread) is blocked.
 */
async function startThreadVendor(delayMs: number): Promise<{ url: string; close(): Promise<number> }> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const server = require('node:http').createServer((req, res) => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), ${delayMs}));
    });
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`;
  const thread = new Worker(code, { eval: true });
  const port = await new Promise<number>((resolve) => thread.once('message', resolve));
  return { url: `http://127.0.0.1:${port}`, close: () => thread.terminate() };
}

describe('the single process’s delivery thread', () => {
  let vendor: Vendor;
  let dir: string;
  let herald: RunningHerald | undefined;

  beforeAll(async () => {
    vendor = await startVendor();
  });
  afterAll(async () => {
    await vendor.close();
  });
  afterEach(async () => {
    await herald?.stop();
    herald = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(dbPath?: string): Promise<HeraldClient> {
    dir = mkdtempSync(join(tmpdir(), 'herald-thread-'));
    herald = await startHerald(loadConfig({ ...TEST_ENV, HERALD_DB_PATH: dbPath ?? join(dir, 'herald.db') }));
    return new HeraldClient(herald.url);
  }

  it('delivers on a thread of its own: a delivery is sent, answered and recorded while the main thread is blocked', async () => {
    const client = await start();
    const running = herald as RunningHerald;
    const slowVendor = await startThreadVendor(300);
    try {
      const accepted = await client.send({ url: `${slowVendor.url}/` });
      expect(accepted.status).toBe(202);
      // Busy for up to 5 s: with the worker on this thread, no claim, answer or record could happen.
      let seenInFlight = false;
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        const active = running.activeDeliveries();
        if (active > 0) seenInFlight = true;
        else if (seenInFlight) break;
      }
      expect(seenInFlight).toBe(true);
      expect(running.activeDeliveries()).toBe(0);
      expect(Date.now()).toBeLessThan(until);
      const delivered = await client.get(accepted.body.id);
      expect(delivered.body).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    } finally {
      await slowVendor.close();
    }
  });

  it('records a delivery in flight before stop resolves, and the next process finds it done', async () => {
    const client = await start();
    const path = join(dir, 'herald.db');
    const accepted = await client.send({ url: `${vendor.url}/slow/500` });
    const running = herald as RunningHerald;
    await expect.poll(() => running.activeDeliveries(), { timeout: 5_000 }).toBe(1);
    await running.stop();
    herald = undefined;
    herald = await startHerald(loadConfig({ ...TEST_ENV, HERALD_DB_PATH: path }));
    const after = await new HeraldClient(herald.url).get(accepted.body.id);
    expect(after.body).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(vendor.requestsFor(accepted.body.id)).toHaveLength(1);
  });

  it('delivers from an in-memory database, whose worker stays on the main thread (no file to share)', async () => {
    const client = await start(':memory:');
    const accepted = await client.send({ url: `${vendor.url}/ok` });
    expect(accepted.status).toBe(202);
    const delivered = await client.waitForStatus(accepted.body.id, FINAL);
    expect(delivered.status).toBe('SUCCESS');
  });
});
