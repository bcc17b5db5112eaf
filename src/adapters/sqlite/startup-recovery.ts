import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Single-process mode owns its database file (SqliteWriterLock, taken before this runs), so at
 * start-up every lease in it belongs to a process that is gone (a crash, a kill -9, a power cut).
 * Rather than wait for those leases to lapse, hand the work out again at once: PROCESSING claims
 * become due now. Scheduled retries keep their time. Returns how many claims were released.
 */
export async function releaseLeasesOfDeadProcess(db: SqliteDatabase, now: Date): Promise<{ claims: number }> {
  return db.write((connection) => {
    // Found through the partial index notification_states_processing.
    const claims = connection
      .prepare("UPDATE notification_states SET lease_expires_at = ?, due_at = ? WHERE status = 'PROCESSING'")
      .run(now.toISOString(), now.getTime()).changes;
    return { claims };
  });
}
