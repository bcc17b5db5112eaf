import type { PurgeableDestinationStore } from '../ports/destination-store.js';
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

type PurgeDeps = Pick<AppDependencies, 'clock' | 'logger'>;

/**
 * Retention in the single process: deletes final notifications created more than `retentionDays`
 * ago, a batch per write, pausing between batches, until none is left (or `signal` stops it);
 * returns how many went.
 */
export async function purgeExpired(
  deps: PurgeDeps,
  store: PurgeableStore,
  retentionDays: number,
  options: PurgeOptions = {},
): Promise<number> {
  const cutoff = retentionCutoff(deps, retentionDays);
  return inBatches(
    deps,
    (limit) => store.purgeFinal(cutoff, limit),
    options,
    (purged, fields) =>
      deps.logger.info({ purged, createdBefore: cutoff, ...fields }, 'purged final notifications past retention'),
  );
}

/**
 * Destination records idle for `retentionDays` — not written since, no operator setting, no
 * notification not yet final going to them — are deleted like old notifications: a record is made
 * for every origin ever sent to, and a mistake (or an attacker) sending to a million origins would
 * otherwise leave a million for good. One that is sent to again is recorded again.
 */
export async function purgeIdleDestinations(
  deps: PurgeDeps,
  store: PurgeableDestinationStore,
  retentionDays: number,
  options: PurgeOptions = {},
): Promise<number> {
  const cutoff = retentionCutoff(deps, retentionDays);
  return inBatches(
    deps,
    (limit) => store.purgeIdle(cutoff, limit),
    options,
    (destinationsRemoved, fields) =>
      deps.logger.info({ destinationsRemoved, writtenBefore: cutoff, ...fields }, 'removed idle destination records'),
  );
}

function retentionCutoff(deps: PurgeDeps, retentionDays: number): string {
  return new Date(deps.clock.now().getTime() - retentionDays * 86_400_000).toISOString();
}

/** Runs `purgeBatch` until a batch comes back short (or `signal` stops it), pacing it; logs a total above 0. */
async function inBatches(
  deps: PurgeDeps,
  purgeBatch: (limit: number) => Promise<number>,
  options: PurgeOptions,
  report: (purged: number, fields: { seconds: number; stopped: boolean }) => void,
): Promise<number> {
  const { pause = sleep, signal } = options;
  const stopped = () => signal?.aborted === true;
  const startedAt = deps.clock.now().getTime();
  let purged = 0;
  while (!stopped()) {
    const batchStartedAt = deps.clock.now().getTime();
    const deleted = await purgeBatch(PURGE_BATCH_SIZE);
    purged += deleted;
    if (deleted < PURGE_BATCH_SIZE) break;
    // The batch's time is the write's round trip (its commit and fdatasync shared with other writes):
    // a busy or slow disk makes it longer, and the purge slows down with it.
    await pause(PURGE_PAUSE_FACTOR * (deps.clock.now().getTime() - batchStartedAt));
  }
  if (purged > 0) report(purged, { seconds: (deps.clock.now().getTime() - startedAt) / 1000, stopped: stopped() });
  return purged;
}
