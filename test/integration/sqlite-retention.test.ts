import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/adapters/sqlite/sqlite-database.js';
import { SqliteDestinationSecretStore } from '../../src/adapters/sqlite/sqlite-destination-secret-store.js';
import { SqliteDestinationStore } from '../../src/adapters/sqlite/sqlite-destination-store.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { PURGE_BATCH_SIZE, purgeExpired, purgeIdleDestinations } from '../../src/app/purge-expired.js';
import { type DestinationRecord, newDestinationRecord } from '../../src/domain/destination.js';
import type { Notification } from '../../src/domain/notification.js';
import { FakeClock, RecordingLogger } from '../helpers/fakes.js';
import { makeAttempt, makeNotification } from '../helpers/notifications.js';

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2030, 5, 1));
const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

describe('retention in the single process (SqliteStore.purgeFinal, purgeExpired)', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteStore;
  beforeEach(() => {
    dir = join(tmpdir(), `herald-retention-${randomUUID()}`);
    db = new SqliteDatabase(join(dir, 'herald.db'));
    store = new SqliteStore(db);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A notification created `days` ago, driven to `status` with one attempt when final. */
  async function aged(days: number, status: Notification['status']): Promise<Notification> {
    const createdAt = daysAgo(days);
    const notification = makeNotification({ createdAt, lastUpdatedAt: createdAt });
    await store.insert(notification);
    if (status === 'CANCELLED') await store.cancel(notification.id, createdAt);
    if (status === 'SUCCESS' || status === 'FAILED') {
      const lease = new Date(Date.parse(createdAt) + 30_000).toISOString();
      const claim = { attempts: 0, leaseExpiresAt: lease };
      await store.claim(notification.id, createdAt, lease);
      const attempt = makeAttempt({ timestamp: createdAt, success: status === 'SUCCESS' });
      await store.recordAttempt(notification.id, claim, { status, attempt, at: createdAt, nextAttemptAt: null });
    }
    return notification;
  }

  it('deletes final notifications older than the cutoff with their history, keeps the rest', async () => {
    const old = [await aged(40, 'SUCCESS'), await aged(35, 'FAILED'), await aged(31, 'CANCELLED')];
    const oldButWaiting = await aged(45, 'PENDING');
    const recent = await aged(10, 'SUCCESS');

    expect(await store.purgeFinal(daysAgo(30), 2)).toBe(2);
    expect(await store.purgeFinal(daysAgo(30), 2)).toBe(1);
    expect(await store.purgeFinal(daysAgo(30), 2)).toBe(0);

    for (const n of old) {
      expect(await store.get(n.id)).toBeUndefined();
      expect(await store.listAttempts(n.id)).toBeUndefined();
    }
    expect((await store.get(oldButWaiting.id))?.status).toBe('PENDING');
    expect((await store.get(recent.id))?.status).toBe('SUCCESS');
    const rows = db.read((c) => c.prepare('SELECT count(*) FROM delivery_attempts').pluck().get());
    expect(rows).toBe(1);
    // An idempotency key is free again once its notification is gone, as after DynamoDB's TTL.
    expect((await store.insert({ ...(old[0] as Notification), createdAt: NOW.toISOString() })).inserted).toBe(true);
  });

  it('purges in batches until nothing past retention is left, and logs the count', async () => {
    const count = PURGE_BATCH_SIZE + 5;
    for (let i = 0; i < count; i++) await aged(60, 'CANCELLED');
    await aged(1, 'CANCELLED');
    const logger = new RecordingLogger();

    expect(await purgeExpired({ clock: new FakeClock(NOW), logger }, store, 30)).toBe(count);

    expect((await store.stats(NOW.toISOString())).byStatus.CANCELLED).toBe(1);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ purged: count }) }),
    );
  });

  describe('destination records', () => {
    /** A record of `destination` written `days` ago, with `changes` (an operator's settings). */
    async function written(days: number, destination: string, changes: Partial<DestinationRecord> = {}) {
      const destinations = new SqliteDestinationStore(db, { now: () => Date.parse(daysAgo(days)) });
      const stored = await destinations.put({ ...newDestinationRecord(destination), ...changes }, 0);
      expect(stored).toBeDefined();
      return destination;
    }
    const destinations = () => new SqliteDestinationStore(db);

    it('removes those idle past retention with no setting and no notification waiting; keeps the rest', async () => {
      const idle = [await written(40, 'https://idle-1.example'), await written(31, 'https://idle-2.example')];
      const recent = await written(10, 'https://recent.example');
      const paused = await written(40, 'https://paused.example', { paused: true });
      const capped = await written(40, 'https://capped.example', { maxConcurrency: 2 });
      const limited = await written(40, 'https://limited.example', { requestsPerSecond: 5 });
      const waiting = await written(40, 'https://waiting.example');
      await store.insert(
        makeNotification({ url: `${waiting}/hook`, createdAt: daysAgo(1), lastUpdatedAt: daysAgo(1) }),
      );
      const finalOnly = await written(40, 'https://final-only.example');
      const cancelled = makeNotification({
        url: `${finalOnly}/hook`,
        createdAt: daysAgo(1),
        lastUpdatedAt: daysAgo(1),
      });
      await store.insert(cancelled);
      await store.cancel(cancelled.id, daysAgo(1));
      const logger = new RecordingLogger();

      expect(await purgeIdleDestinations({ clock: new FakeClock(NOW), logger }, destinations(), 30)).toBe(3);

      for (const destination of [...idle, finalOnly]) expect(await destinations().get(destination)).toBeUndefined();
      for (const destination of [recent, paused, capped, limited, waiting]) {
        expect(await destinations().get(destination)).toBeDefined();
      }
      expect(logger.entries).toContainEqual(
        expect.objectContaining({ fields: expect.objectContaining({ destinationsRemoved: 3 }) }),
      );
    });

    it("keeps a removed record's own signing keys: a key outlives its destination's idleness", async () => {
      const destination = await written(40, 'https://keyed.example');
      const secrets = new SqliteDestinationSecretStore(db);
      const kept = { destination, signing: [{ sealed: 'sealed-key', createdAt: daysAgo(40) }], version: 0 };
      expect(await secrets.put(kept, 0)).toBeDefined();

      const deps = { clock: new FakeClock(NOW), logger: new RecordingLogger() };
      expect(await purgeIdleDestinations(deps, destinations(), 30)).toBe(1);

      expect(await destinations().get(destination)).toBeUndefined();
      expect((await secrets.get(destination))?.signing).toEqual(kept.signing);
    });

    it('counts idleness from the last write: a record written again is kept, one resumed is idle again', async () => {
      const destination = await written(40, 'https://rewritten.example', { paused: true });
      const resumed = await new SqliteDestinationStore(db, { now: () => Date.parse(daysAgo(5)) }).put(
        { ...((await destinations().get(destination)) as DestinationRecord), paused: false },
        1,
      );
      expect(resumed?.paused).toBe(false);
      const deps = { clock: new FakeClock(NOW), logger: new RecordingLogger() };

      expect(await purgeIdleDestinations(deps, destinations(), 30)).toBe(0);
      deps.clock.advance(26 * DAY);
      expect(await purgeIdleDestinations(deps, destinations(), 30)).toBe(1);
    });
  });
});
