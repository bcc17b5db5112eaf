import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHerald, spawnHeraldToExit } from '../helpers/spawned-herald.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** One process per SQLite file: a second refuses to start, before it can hand out the first one's work. */
describe('one writer per SQLite file', () => {
  let vendor: Vendor;
  let dir: string;
  beforeAll(async () => {
    vendor = await startVendor();
    dir = mkdtempSync(join(tmpdir(), 'herald-writer-'));
  });
  afterAll(async () => {
    await vendor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second process naming the file and the lock, and lets one start after the holder is killed', async () => {
    const dbPath = join(dir, 'herald.db');
    const first = await spawnHerald({ HERALD_DB_PATH: dbPath });
    let third: Awaited<ReturnType<typeof spawnHerald>> | undefined;
    try {
      // In flight while the second process starts: its lease must survive it.
      const sent = await first.client.send({ url: `${vendor.url}/slow/1500` });
      expect(sent.status).toBe(202);
      await waitFor(() => (vendor.requestsFor(sent.body.id).length > 0 ? true : undefined), {
        what: 'the delivery to be in flight',
      });

      const second = await spawnHeraldToExit({ HERALD_DB_PATH: dbPath });
      expect(second.exit).not.toBe(0);
      expect(second.output).toContain(`${dbPath} is in use by another Herald process`);
      expect(second.output).toContain(`${dbPath}.lock`);

      const done = await first.client.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done).toMatchObject({ status: 'SUCCESS', attempts: 1 });
      expect(vendor.requestsFor(sent.body.id)).toHaveLength(1);

      first.process.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      // The kernel dropped the dead holder's lock: a new process starts on the file at once.
      third = await spawnHerald({ HERALD_DB_PATH: dbPath });
      expect((await third.client.get(sent.body.id)).body.status).toBe('SUCCESS');
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) first.process.kill('SIGKILL');
      if (third) {
        third.process.kill('SIGTERM');
        await third.exited;
      }
    }
  }, 90_000);
});
