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
  return (await readOperatorStats(deps, 0)).stats;
}

/** The statistics and, for the metrics, up to `unhealthyLimit` destinations not CLOSED, in one read. */
export async function readOperatorStats(
  deps: AppDependencies,
  unhealthyLimit: number,
): Promise<{ stats: HeraldStats; unhealthy: DestinationSummary['unhealthy'] }> {
  const at = deps.clock.now().toISOString();
  const [stored, destinations, depth] = await Promise.all([
    deps.store.stats(at),
    summarizeDestinations(deps, unhealthyLimit),
    deps.queue.approximateDepth?.(),
  ]);
  const byStatus = { ...stored.byStatus };
  if (!stored.exact && depth !== undefined) {
    byStatus.QUEUED ??= depth.visible + depth.delayed;
    byStatus.PROCESSING ??= depth.inFlight;
  }
  return {
    stats: { byStatus, oldestDueAt: stored.oldestDueAt, destinations: destinations.counts, exact: stored.exact },
    unhealthy: destinations.unhealthy,
  };
}

export interface DestinationSummary {
  counts: Record<DestinationState, number>;
  /** Up to the limit asked for, destinations not CLOSED (open, probing, paused): the ones to look at. */
  unhealthy: { destination: string; state: DestinationState }[];
}

/** Every destination record read once: counted by state, the first `unhealthyLimit` not CLOSED named. */
export async function summarizeDestinations(
  deps: AppDependencies,
  unhealthyLimit: number,
): Promise<DestinationSummary> {
  const summary: DestinationSummary = { counts: { CLOSED: 0, OPEN: 0, HALF_OPEN: 0, PAUSED: 0 }, unhealthy: [] };
  let cursor: string | undefined;
  do {
    const page = await deps.destinations.list(DESTINATION_PAGE, cursor);
    for (const record of page.items) {
      const state = destinationState(record);
      summary.counts[state]++;
      if (state !== 'CLOSED' && summary.unhealthy.length < unhealthyLimit) {
        summary.unhealthy.push({ destination: record.destination, state });
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return summary;
}
