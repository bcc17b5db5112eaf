import type { PurgeableStore } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';

/** Notifications deleted per write: few, so that the commits which carry a batch are not held up long. */
export const PURGE_BATCH_SIZE = 100;

/**
 * After each batch the purge waits this many times as long as the batch took, so that it has at most
 * a quarter of the server's time however large the backlog. Batch after batch without a pause, a
 * purge of 200,000 kept the event loop about two-thirds busy and every commit of the ingest it ran
 * beside carried a batch: ingest answered three times slower, and seconds late at start-up.
 */
export const PURGE_PAUSE_FACTOR = 3;

export interface PurgeOptions {
  /** Waits between two batches; a timer unless a test plays it. */
  pause?: (ms: number) => Promise<void>;
  /** Aborted: the purge stops after the batch under way. What is left goes at the next run. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Retention in the single process: deletes final notifications created more than `retentionDays`
 * ago, a batch per write, pausing between batches, until none is left (or `signal` stops it);
 * returns how many went.
 */
export async function purgeExpired(
  deps: Pick<AppDependencies, 'clock' | 'logger'>,
  store: PurgeableStore,
  retentionDays: number,
  options: PurgeOptions = {},
): Promise<number> {
  const { pause = sleep, signal } = options;
  const stopped = () => signal?.aborted === true;
  const startedAt = deps.clock.now().getTime();
  const cutoff = new Date(startedAt - retentionDays * 86_400_000).toISOString();
  let purged = 0;
  while (!stopped()) {
    const batchStartedAt = deps.clock.now().getTime();
    const deleted = await store.purgeFinal(cutoff, PURGE_BATCH_SIZE);
    purged += deleted;
    if (deleted < PURGE_BATCH_SIZE) break;
    // The batch's time is the write's round trip (its commit and fdatasync shared with other writes):
    // a busy or slow disk makes it longer, and the purge slows down with it.
    await pause(PURGE_PAUSE_FACTOR * (deps.clock.now().getTime() - batchStartedAt));
  }
  if (purged > 0) {
    const seconds = (deps.clock.now().getTime() - startedAt) / 1000;
    deps.logger.info(
      { purged, createdBefore: cutoff, seconds, stopped: stopped() },
      'purged final notifications past retention',
    );
  }
  return purged;
}
