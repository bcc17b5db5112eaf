import type { RecoveryJob } from '../domain/recovery.js';

/**
 * Where recovery jobs live. Updates are conditional on the version read, so runners in several
 * processes (or Lambda invocations) never both record a step: the loser gets undefined. Backend
 * failures surface as BackendUnavailableError.
 */
export interface RecoveryStore {
  /** Stores a new job (version 1). */
  create(job: RecoveryJob): Promise<void>;

  get(id: string): Promise<RecoveryJob | undefined>;

  /** Stores `job` as version `expectedVersion + 1` if the stored one is `expectedVersion`; the job as stored. */
  update(job: RecoveryJob, expectedVersion: number): Promise<RecoveryJob | undefined>;

  /** Up to `limit` jobs still RUNNING, oldest started first. */
  listRunning(limit: number): Promise<RecoveryJob[]>;
}
