/**
 * A bulk recovery: every FAILED notification matching a filter is retried through the normal manual
 * retry (FAILED → QUEUED), a bounded step at a time. The job is a record of its own so it survives a
 * restart and reports its progress.
 */
export const RECOVERY_STATES = ['RUNNING', 'DONE', 'FAILED'] as const;
export type RecoveryState = (typeof RECOVERY_STATES)[number];

export interface RecoveryFilter {
  status: 'FAILED';
  destination?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface RecoveryJob {
  id: string;
  state: RecoveryState;
  filter: RecoveryFilter;
  /**
   * True while the job counts what it matches, before it retries any: `matched` grows until then, and
   * is the total that `retried` and `skipped` make up afterwards. (Absent on jobs stored before the
   * count existed: those count as they retry.)
   */
  counting?: boolean;
  /** FAILED notifications the filter matched; final once `counting` is over. */
  matched: number;
  /** Of those, retried (FAILED → QUEUED). */
  retried: number;
  /** Of those, not retried: no longer FAILED when the job reached them (retried meanwhile, say). */
  skipped: number;
  startedAt: string;
  finishedAt: string | null;
  /** Where the listing goes on (its nextCursor); null before the first step. */
  cursor: string | null;
  /** Why a FAILED job stopped. */
  error: string | null;
  /** Every write is conditional on it, so two runners never both advance one step. */
  version: number;
}

export function newRecoveryJob(id: string, filter: RecoveryFilter, now: string): RecoveryJob {
  return {
    id,
    state: 'RUNNING',
    filter,
    counting: true,
    matched: 0,
    retried: 0,
    skipped: 0,
    startedAt: now,
    finishedAt: null,
    cursor: null,
    error: null,
    version: 1,
  };
}
