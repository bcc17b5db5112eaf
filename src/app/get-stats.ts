import { type DestinationState, destinationState } from '../domain/destination.js';
import type { Status } from '../domain/notification.js';
import type { AppDependencies } from './dependencies.js';

export interface HeraldStats {
  byStatus: Record<Status, number | null>;
  oldestDueAt: string | null;
  destinations: Record<DestinationState, number>;
  /** False when some notification count is null or approximate (see getStats). */
  exact: boolean;
}

const DESTINATION_PAGE = 100;

/**
 * Operators' statistics. The store counts what it can (SQLite: everything, exactly); where it
 * cannot, QUEUED and PROCESSING fall back to the queue's approximate depth — messages visible or
 * delayed, and in flight — which over-counts a little (a duplicate message, a held-back one) and lags
 * the queue by SQS's own minute or so. Destinations are few (one record per origin): all are read.
 */
export async function getStats(deps: AppDependencies): Promise<HeraldStats> {
  const at = deps.clock.now().toISOString();
  const [stored, destinations, depth] = await Promise.all([
    deps.store.stats(at),
    countDestinations(deps),
    deps.queue.approximateDepth?.(),
  ]);
  const byStatus = { ...stored.byStatus };
  if (!stored.exact && depth !== undefined) {
    byStatus.QUEUED ??= depth.visible + depth.delayed;
    byStatus.PROCESSING ??= depth.inFlight;
  }
  return { byStatus, oldestDueAt: stored.oldestDueAt, destinations, exact: stored.exact };
}

async function countDestinations(deps: AppDependencies): Promise<Record<DestinationState, number>> {
  const counts: Record<DestinationState, number> = { CLOSED: 0, OPEN: 0, HALF_OPEN: 0, PAUSED: 0 };
  let cursor: string | undefined;
  do {
    const page = await deps.destinations.list(DESTINATION_PAGE, cursor);
    for (const record of page.items) counts[destinationState(record)]++;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return counts;
}
