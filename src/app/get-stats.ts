import type { DestinationState } from '../domain/destination.js';
import type { Status } from '../domain/notification.js';
import type { AppDependencies } from './dependencies.js';
import type { DestinationSummary } from './destination-census.js';

export interface HeraldStats {
  byStatus: Record<Status, number | null>;
  oldestDueAt: string | null;
  destinations: Record<DestinationState, number>;
  /** False when some notification count is null or approximate (see getStats). */
  exact: boolean;
}

/** How many destinations not CLOSED `GET /v1/stats` names: the console's overview shows them first. */
export const UNHEALTHY_DESTINATIONS_IN_STATS = 20;

/**
 * Operators' statistics. The store counts what it can (SQLite: everything, exactly); where it
 * cannot, QUEUED and PROCESSING fall back to the queue's approximate depth — messages visible or
 * delayed, and in flight — which over-counts a little (a duplicate message, a held-back one) and lags
 * the queue by SQS's own minute or so. The destination counts are at most a few seconds old
 * (destination-census.ts): a console polling, or many scrapers, do not each read every record.
 */
export async function getStats(
  deps: AppDependencies,
): Promise<HeraldStats & { unhealthyDestinations: DestinationSummary['unhealthy'] }> {
  const { stats, unhealthy } = await readOperatorStats(deps, UNHEALTHY_DESTINATIONS_IN_STATS);
  return { ...stats, unhealthyDestinations: unhealthy };
}

/** The statistics and, for the metrics, up to `unhealthyLimit` destinations not CLOSED. */
export async function readOperatorStats(
  deps: AppDependencies,
  unhealthyLimit: number,
): Promise<{ stats: HeraldStats; unhealthy: DestinationSummary['unhealthy'] }> {
  const at = deps.clock.now().toISOString();
  const [stored, destinations, depth] = await Promise.all([
    deps.store.stats(at),
    deps.destinationCensus.summary(),
    deps.queue.approximateDepth?.(),
  ]);
  const byStatus = { ...stored.byStatus };
  if (!stored.exact && depth !== undefined) {
    byStatus.QUEUED ??= depth.visible + depth.delayed;
    byStatus.PROCESSING ??= depth.inFlight;
  }
  return {
    stats: { byStatus, oldestDueAt: stored.oldestDueAt, destinations: destinations.counts, exact: stored.exact },
    unhealthy: destinations.unhealthy.slice(0, unhealthyLimit),
  };
}
