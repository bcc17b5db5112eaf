import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type RunningHerald, startHerald } from '../../src/entrypoints/node/herald-server.js';
import type { Logger } from '../../src/ports/logger.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

/** EX_IOERR: what the process exits with once an fdatasync of its database failed. */
const EXIT_DURABILITY_LOST = 74;

interface Logged {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

function capturingLogger(): { logger: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

/** A status, or the error of a request the server no longer takes (it stopped listening): never a 202. */
async function statusOf(request: Promise<{ status: number }>): Promise<number | string> {
  try {
    return (await request).status;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * An fdatasync of the single process's SQLite file that fails (played by HERALD_DB_FAIL_SYNC_WHILE_EXISTS:
 * every fdatasync of the WAL fails with EIO while the file it names exists) must end the process:
 * after a failed fsync the kernel may have dropped what it could not write, so no later write may be
 * acknowledged. The process's exit is injected here; test/e2e/faults.e2e.test.ts runs the real one.
 */
describe('a failed fdatasync of the single process’s SQLite file', () => {
  let vendor: Vendor;
  let dir: string;
  let trigger: string;
  const running: RunningHerald[] = [];

  beforeAll(async () => {
    vendor = await startVendor();
  });
  afterAll(async () => {
    await vendor.close();
  });
  afterEach(async () => {
    for (const herald of running.splice(0)) await herald.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string> = {}) {
    const { logger, lines } = capturingLogger();
    const exits: number[] = [];
    const herald = await startHerald(
      loadConfig({
        ...TEST_ENV,
        HERALD_DB_PATH: join(dir, 'herald.db'),
        HERALD_DB_FAIL_SYNC_WHILE_EXISTS: trigger,
        ...env,
      }),
      logger,
      (code) => exits.push(code),
    );
    running.push(herald);
    return { herald, client: new HeraldClient(herald.url), lines, exits };
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-fsync-'));
    trigger = join(dir, 'fail-fdatasync');
  });

  it('on the main thread: the write it covered is answered 503, the process exits non-zero and acknowledges nothing after', async () => {
    const { herald, client, lines, exits } = await start();
    const before = await client.send({ url: `${vendor.url}/ok` });
    expect(before.status).toBe(202);
    // Delivered and recorded first: the delivery thread has nothing left to write, so the main thread's
    // fdatasync is the one that fails (else the thread's may fail first, and main logs only its echo).
    expect((await client.waitForStatus(before.body.id, ['SUCCESS'])).status).toBe('SUCCESS');

    writeFileSync(trigger, '');
    const covered = await client.send({ url: `${vendor.url}/ok` });
    expect(covered.status).toBe(503);
    expect(covered.body.code).toBe('SYSTEM_ERROR');
    await expect.poll(() => exits, { timeout: 10_000 }).toEqual([EXIT_DURABILITY_LOST]);
    const logged = lines.find((line) => line.level === 'error' && /fdatasync/.test(line.message));
    expect(logged?.fields.err).toMatchObject({ code: 'EIO' });

    // The disk answers again: a later fdatasync would succeed, and proves nothing about what was lost.
    unlinkSync(trigger);
    expect(await statusOf(client.send({ url: `${vendor.url}/ok` }))).not.toBe(202);
    expect(exits).toEqual([EXIT_DURABILITY_LOST]);

    // The restart recovers from the WAL: what was accepted before is delivered.
    await herald.stop().catch(() => {});
    running.splice(running.indexOf(herald), 1);
    const restarted = await start();
    expect((await restarted.client.waitForStatus(before.body.id, ['SUCCESS'])).status).toBe('SUCCESS');
    expect(restarted.exits).toEqual([]);
  }, 30_000);

  describe('on the delivery thread', () => {
    let held: ServerResponse[] = [];
    let holding: Server;
    let holdingUrl: string;
    beforeAll(async () => {
      // A vendor that answers only when the test says so: the thread's write comes after the trigger.
      holding = createServer((req, res) => {
        req.resume();
        held.push(res);
      });
      await new Promise<void>((resolve) => holding.listen(0, '127.0.0.1', resolve));
      holdingUrl = `http://127.0.0.1:${(holding.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const res of held) res.destroy();
      await new Promise((resolve) => holding.close(resolve));
    });

    it('the process exits non-zero, and the main thread acknowledges nothing after it', async () => {
      // One failure opens the breaker: the thread writes the destination's record, on disk.
      const { client, exits, lines } = await start({ HERALD_BREAKER_FAILURES: '1' });
      held = [];
      const accepted = await client.send({ url: `${holdingUrl}/hook` });
      expect(accepted.status).toBe(202);
      await expect.poll(() => held.length, { timeout: 10_000 }).toBe(1);

      writeFileSync(trigger, '');
      held[0]?.writeHead(500).end();
      await expect.poll(() => exits, { timeout: 10_000 }).toEqual([EXIT_DURABILITY_LOST]);
      // The thread's fdatasync failed, not the main thread's: the thread ended with the code.
      expect(lines.find((line) => line.level === 'error')?.fields).toMatchObject({
        thread: 'delivery',
        exitCode: EXIT_DURABILITY_LOST,
      });

      // The main thread's own fdatasync would succeed now; its WAL frames would still follow the lost ones.
      unlinkSync(trigger);
      expect(await statusOf(client.send({ url: `${vendor.url}/ok` }))).not.toBe(202);
    }, 30_000);
  });
});
