import type { AppDependencies } from './dependencies.js';
import { enqueueAndMarkQueued, routingOf } from './enqueue.js';

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
    // Read for its routing: an ordered notification's message must join its key's line. A stale
    // PENDING record is rare (a failed send), so the read is too.
    const stale = await deps.store.get(id, { body: false });
    if (stale === undefined || stale.status !== 'PENDING') continue;
    const at = deps.clock.now().toISOString();
    if ((await enqueueAndMarkQueued(deps, id, at, routingOf(stale))) === 'QUEUED') enqueued += 1;
  }
  if (ids.length > 0) deps.logger.info({ found: ids.length, enqueued }, 'sweeper enqueued stale PENDING notifications');
  return enqueued;
}
