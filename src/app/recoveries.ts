import { randomUUID } from 'node:crypto';
import { HeraldError } from '../domain/errors.js';
import { newRecoveryJob, type RecoveryFilter, type RecoveryJob } from '../domain/recovery.js';
import type { ListPage } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';
import { retryNotification } from './retry-notification.js';

/** Notifications one step retries at most: a step is one listing page and one job write. */
export const RECOVERY_STEP_SIZE = 20;

/**
 * A recovery acts on ids and states: the bodies it would read (an S3 read each for a large one on AWS)
 * go unused, and the sweeper that runs it there may not read them at all.
 */
const WITHOUT_BODIES = { body: false } as const;

export async function startRecovery(deps: AppDependencies, filter: RecoveryFilter): Promise<RecoveryJob> {
  const job = newRecoveryJob(randomUUID(), filter, deps.clock.now().toISOString());
  await deps.recoveries.create(job);
  deps.logger.info({ recoveryId: job.id, filter }, 'bulk recovery started');
  return job;
}

export async function getRecovery(deps: AppDependencies, id: string): Promise<RecoveryJob> {
  const job = await deps.recoveries.get(id);
  if (!job) throw new HeraldError('NOT_FOUND', `No recovery with id ${JSON.stringify(id)}`);
  return job;
}

/**
 * Advances every running job by up to `budget` notifications in all, a step at a time, and returns
 * how many it looked at. The runners call it on a schedule, which is what paces a recovery: the node
 * server every second, the sweeper Lambda every minute.
 */
export async function advanceRecoveries(deps: AppDependencies, budget: number): Promise<number> {
  let left = budget;
  for (const job of await deps.recoveries.listRunning(10)) {
    let current: RecoveryJob | undefined = job;
    while (current?.state === 'RUNNING' && left > 0) {
      const before: number = current.matched;
      current = await advanceRecovery(deps, current, Math.min(left, RECOVERY_STEP_SIZE));
      // A page may come back empty with a cursor (AWS listings are bounded): it still costs a step.
      left -= Math.max(1, (current?.matched ?? before) - before);
    }
  }
  return budget - left;
}

/**
 * One step: the next page of matching FAILED notifications, each through the manual retry's
 * conditional FAILED → QUEUED, then the job's progress in one conditional write. Undefined when
 * another runner recorded this step first. Each retry is conditional, so no notification is retried
 * twice by racing runners or by a step repeated after a crash (between the retries and the write):
 * what was retried is no longer FAILED and comes back as skipped. That repetition can count a
 * notification in `matched` twice; the counts are exact when the job runs undisturbed.
 */
export async function advanceRecovery(
  deps: AppDependencies,
  job: RecoveryJob,
  size: number,
): Promise<RecoveryJob | undefined> {
  const { filter } = job;
  let page: ListPage;
  try {
    page = await deps.store.list({
      statuses: [filter.status],
      ...(filter.destination === undefined ? {} : { destination: filter.destination }),
      ...(filter.createdAfter === undefined ? {} : { createdAfter: filter.createdAfter }),
      ...(filter.createdBefore === undefined ? {} : { createdBefore: filter.createdBefore }),
      limit: size,
      ...(job.cursor === null ? {} : { cursor: job.cursor }),
    });
  } catch (error) {
    // A store that cannot be reached is tried again next time; anything else will not get better.
    if (error instanceof HeraldError && error.code === 'SYSTEM_ERROR') throw error;
    return finish(deps, job, 'FAILED', (error as Error).message);
  }
  // The page's retries at once: each is its own conditional write, and a page is at most a step.
  const outcomes = await Promise.all(
    page.items.map(async (notification) => {
      try {
        await retryNotification(deps, notification.id, WITHOUT_BODIES);
        return 'retried';
      } catch (error) {
        if (error instanceof HeraldError && (error.code === 'INVALID_STATE' || error.code === 'NOT_FOUND')) {
          return 'skipped';
        }
        throw error;
      }
    }),
  );
  const retried = outcomes.filter((outcome) => outcome === 'retried').length;
  const skipped = outcomes.length - retried;
  const progressed: RecoveryJob = {
    ...job,
    matched: job.matched + page.items.length,
    retried: job.retried + retried,
    skipped: job.skipped + skipped,
    cursor: page.nextCursor ?? null,
  };
  if (page.nextCursor === undefined) return finish(deps, progressed, 'DONE', null);
  return deps.recoveries.update(progressed, job.version);
}

async function finish(
  deps: AppDependencies,
  job: RecoveryJob,
  state: 'DONE' | 'FAILED',
  error: string | null,
): Promise<RecoveryJob | undefined> {
  const done = await deps.recoveries.update(
    { ...job, state, error, finishedAt: deps.clock.now().toISOString() },
    job.version,
  );
  if (done) {
    const { id, matched, retried, skipped } = done;
    deps.logger.info({ recoveryId: id, state, matched, retried, skipped, error }, 'bulk recovery finished');
  }
  return done;
}
