import type { AppDependencies } from './dependencies.js';
import { enqueueAndMarkQueued } from './enqueue.js';

/** A PENDING record younger than this may still be on its way through ingest; leave it alone. */
export const STALE_PENDING_AFTER_MS = 60_000;

/**
 * Enqueues notifications left PENDING (the queue was down at ingest, or the process died between the
 * store write and the send). Returns how many it enqueued. `staleAfterMs` is for tests that cannot
 * wait a minute; production callers keep the default. Safe to run concurrently with ingest:
 * a duplicate message only costs a refused claim.
 */
export async function sweepPending(
  deps: AppDependencies,
  batchSize = 100,
  staleAfterMs = STALE_PENDING_AFTER_MS,
): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - staleAfterMs).toISOString();
  const ids = await deps.store.listStalePending(cutoff, batchSize);
  let enqueued = 0;
  for (const id of ids) {
    if ((await enqueueAndMarkQueued(deps, id)) === 'QUEUED') enqueued += 1;
  }
  if (ids.length > 0) deps.logger.info({ found: ids.length, enqueued }, 'sweeper enqueued stale PENDING notifications');
  return enqueued;
}
