import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Single-process mode owns its database file (SqliteWriterLock, taken before this runs), so at
 * start-up every lease in it belongs to a process that is gone (a crash, a kill -9, a power cut). Rather than wait for those leases to lapse, hand the
 * work out again at once: leased messages become visible and PROCESSING claims expire. Messages
 * that were merely delayed (scheduled retries) keep their time. Returns what was released.
 */
export async function releaseLeasesOfDeadProcess(
  db: SqliteDatabase,
  now: Date,
): Promise<{ messages: number; claims: number }> {
  return db.write((connection) => {
    const messages = connection
      .prepare('UPDATE queue_messages SET visible_at = ?, receipt = NULL WHERE receipt IS NOT NULL AND visible_at > ?')
      .run(now.getTime(), now.getTime()).changes;
    // Found through the partial index notification_states_processing.
    const claims = connection
      .prepare("UPDATE notification_states SET lease_expires_at = ? WHERE status = 'PROCESSING'")
      .run(now.toISOString()).changes;
    return { messages, claims };
  });
}
