import { SqliteDatabase } from '../src/adapters/sqlite/sqlite-database.js';
import { SqliteStore } from '../src/adapters/sqlite/sqlite-store.js';
import type { Notification } from '../src/domain/notification.js';
import { notificationIdFor } from '../src/domain/notification-id.js';
import { makeAttempt, makeNotification, makeSuccessAttempt } from '../test/helpers/notifications.js';

export interface SettledNotifications {
  count: number;
  /** What their one attempt ended in: delivered, or failed for good (a 400, not retryable). */
  status: 'SUCCESS' | 'FAILED';
  url: string;
  body: unknown;
  /** Epoch ms of the first one's createdAt; the others follow `spacingMs` apart (a fraction of a ms puts several in one). */
  firstCreatedAt: number;
  spacingMs: number;
  onProgress?: (written: number) => void;
}

/**
 * Notifications written per group commit. Every write submitted in one event-loop turn shares a
 * transaction (sqlite-database.ts), so a chunk is three commits: inserts, claims, outcomes.
 */
const CHUNK = 2_000;

/**
 * Fills a SQLite file with notifications that were delivered (or failed) long ago, through the
 * store's own writes — insert, claim, recordAttempt, the three a real delivery makes — so the rows,
 * indexes and attempt history are what a running server would have left, but without HTTP or a
 * worker: thousands per commit instead of one notification at a time (200,000 in well under a
 * minute here, against minutes through ingest and delivery). Returns their ids, oldest first.
 */
export async function writeSettledNotifications(dbPath: string, spec: SettledNotifications): Promise<string[]> {
  const db = new SqliteDatabase(dbPath);
  const store = new SqliteStore(db);
  const ids: string[] = [];
  try {
    for (let start = 0; start < spec.count; start += CHUNK) {
      const chunk = Array.from({ length: Math.min(CHUNK, spec.count - start) }, (_, i) =>
        settledAt(spec, spec.firstCreatedAt + (start + i) * spec.spacingMs),
      );
      await Promise.all(chunk.map((n) => store.insert(n)));
      await Promise.all(chunk.map((n) => store.claim(n.id, n.createdAt, leaseOf(n))));
      await Promise.all(
        chunk.map((n) => {
          const attempt =
            spec.status === 'SUCCESS'
              ? makeSuccessAttempt({ timestamp: n.createdAt })
              : makeAttempt({
                  timestamp: n.createdAt,
                  statusCode: 400,
                  retryEligible: false,
                  category: 'CLIENT_ERROR',
                });
          return store.recordAttempt(
            n.id,
            { attempts: 0, leaseExpiresAt: leaseOf(n) },
            { status: spec.status, attempt, at: n.createdAt, nextAttemptAt: null },
          );
        }),
      );
      for (const n of chunk) ids.push(n.id);
      spec.onProgress?.(start + chunk.length);
    }
    return ids;
  } finally {
    await db.close();
  }
}

function settledAt(spec: SettledNotifications, at: number): Notification {
  const createdMs = Math.floor(at);
  const createdAt = new Date(createdMs).toISOString();
  // A time-ordered id, as ingest gives a notification without an idempotency key.
  return makeNotification({
    id: notificationIdFor(null, new Uint8Array(0), createdMs),
    url: spec.url,
    body: spec.body,
    createdAt,
  });
}

const leaseOf = (n: Notification) => new Date(Date.parse(n.createdAt) + 30_000).toISOString();
