import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteRecoveryStore } from '../../src/adapters/sqlite/sqlite-recovery-store.js';
import { newRecoveryJob } from '../../src/domain/recovery.js';
import { spawnHerald } from '../helpers/spawned-herald.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** A bulk recovery is a record in the store: a job a dead process left RUNNING is finished by the next. */
describe('bulk recovery across a restart (single process)', () => {
  let vendor: Vendor;
  let dir: string;
  beforeAll(async () => {
    vendor = await startVendor();
    dir = mkdtempSync(join(tmpdir(), 'herald-recovery-'));
  });
  afterAll(async () => {
    await vendor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a RUNNING job left in the file, from where its cursor says', async () => {
    const env = { HERALD_DB_PATH: join(dir, 'herald.db') };
    const first = await spawnHerald(env);
    const failed: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        failed.push((await first.client.send({ url: `${vendor.url}/status/400`, maxAttempts: 1 })).body.id);
      }
      for (const id of failed) await first.client.waitForStatus(id, ['FAILED']);
    } finally {
      first.process.kill('SIGKILL');
      await first.exited;
    }

    // What a process killed mid-job leaves behind: the job RUNNING, nothing retried yet.
    const db = new SqliteDatabase(env.HERALD_DB_PATH);
    const job = newRecoveryJob('left-running', { status: 'FAILED' }, new Date().toISOString());
    await new SqliteRecoveryStore(db).create(job);
    await db.close();

    const second = await spawnHerald(env);
    try {
      const done = await waitFor(
        async () => {
          const res = await second.client.call('GET', `/v1/recoveries/${job.id}`);
          return res.body.state === 'RUNNING' ? undefined : res.body;
        },
        { what: 'the restarted process to finish the job' },
      );
      expect(done).toMatchObject({ state: 'DONE', matched: 3, retried: 3, skipped: 0 });
      for (const id of failed) {
        await waitFor(async () => ((await second.client.get(id)).body.attempts === 2 ? true : undefined), {
          what: `${id} to be attempted again`,
        });
      }
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  }, 60_000);
});
