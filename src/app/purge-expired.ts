import type { PurgeableStore } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';

/** Notifications deleted per write: small, so deliveries never wait long behind a purge. */
export const PURGE_BATCH_SIZE = 200;

/**
 * Retention in the single process: deletes final notifications created more than `retentionDays`
 * ago, a batch per write, yielding between batches, until none is left; returns how many went.
 */
export async function purgeExpired(
  deps: Pick<AppDependencies, 'clock' | 'logger'>,
  store: PurgeableStore,
  retentionDays: number,
): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - retentionDays * 86_400_000).toISOString();
  let purged = 0;
  for (;;) {
    const deleted = await store.purgeFinal(cutoff, PURGE_BATCH_SIZE);
    purged += deleted;
    if (deleted < PURGE_BATCH_SIZE) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (purged > 0) deps.logger.info({ purged, createdBefore: cutoff }, 'purged final notifications past retention');
  return purged;
}
