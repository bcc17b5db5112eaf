import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { makeAttempt, makeNotification } from '../helpers/notifications.js';
import { spawnHerald } from '../helpers/spawned-herald.js';
import { waitFor } from '../helpers/wait-for.js';

const DAY = 86_400_000;

/** HERALD_RETENTION_DAYS: the single-process server purges what has aged past it, and only that. */
describe('retention (single process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-retention-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('purges final notifications older than HERALD_RETENTION_DAYS, keeps younger and unfinished ones', async () => {
    const dbPath = join(dir, 'herald.db');
    const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
    // A file as a long-running server would have it: written before this server starts.
    const db = new SqliteDatabase(dbPath);
    const store = new SqliteStore(db);
    // Loopback port 1 (nothing listens): nothing here is meant to be delivered, and nothing leaves the host.
    const url = 'http://127.0.0.1:1/hook';
    const aged = (days: number) => ({ createdAt: ago(days), url });
    const expired = makeNotification(aged(8));
    const young = makeNotification(aged(6));
    // Not final, so kept however old: it waits for a retry a day from now.
    const waiting = makeNotification({
      ...aged(9),
      status: 'QUEUED',
      nextAttemptAt: new Date(Date.now() + DAY).toISOString(),
      attempts: 1,
    });
    for (const n of [expired, young, waiting]) await store.insert(n);
    for (const n of [expired, young]) {
      const claimed = await store.claim(n.id, n.createdAt, new Date(Date.parse(n.createdAt) + 30_000).toISOString());
      expect(claimed?.status).toBe('PROCESSING');
      const attempt = makeAttempt({ timestamp: n.createdAt, success: true, category: 'SUCCESS' });
      await store.recordAttempt(n.id, 0, { status: 'SUCCESS', attempt, at: n.createdAt, nextAttemptAt: null });
    }
    await db.close();

    const herald = await spawnHerald({ HERALD_DB_PATH: dbPath, HERALD_RETENTION_DAYS: '7' });
    try {
      await waitFor(async () => ((await herald.client.get(expired.id)).status === 404 ? true : undefined), {
        what: 'the expired notification to be purged',
      });
      expect((await herald.client.get(young.id)).body.status).toBe('SUCCESS');
      expect((await herald.client.get(waiting.id)).body.status).toBe('QUEUED');
      expect((await herald.client.call('GET', `/v1/notifications/${expired.id}/attempts`)).status).toBe(404);
    } finally {
      herald.process.kill('SIGTERM');
      await herald.exited;
    }
  }, 60_000);
});
