import { randomUUID } from 'node:crypto';
import { HeraldError } from '../domain/errors.js';
import { newRecoveryJob, type RecoveryFilter, type RecoveryJob } from '../domain/recovery.js';
import type { ListPage } from '../ports/notification-store.js';
import type { AppDependencies } from './dependencies.js';
import { retryNotification } from './retry-notification.js';

/** Notifications one step retries at most: a step is one listing page and one job write. */
export const RECOVERY_STEP_SIZE = 20;

/** Notifications one counting step counts: a listing page that retries nothing costs the workers nothing. */
const COUNT_STEP_SIZE = 100;

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
 * Advances every running job by up to `budget` steps' worth of notifications in all, a step at a time,
 * and returns how many notifications it dealt with (retried, or found no longer FAILED). The runners
 * call it on a schedule, which is what paces a recovery: the node server every second, the sweeper
 * Lambda every minute. `keepGoing` is asked before each step: the sweeper stops while it has time
 * left, since a budget of counting pages is a thousand listings and job writes one after the other.
 */
export async function advanceRecoveries(
  deps: AppDependencies,
  budget: number,
  keepGoing: () => boolean = () => true,
): Promise<number> {
  let left = budget;
  let dealtWith = 0;
  for (const job of await deps.recoveries.listRunning(10)) {
    let current: RecoveryJob | undefined = job;
    while (current?.state === 'RUNNING' && left > 0 && keepGoing()) {
      const before: RecoveryJob = current;
      current = await advanceRecovery(deps, current, Math.min(left, RECOVERY_STEP_SIZE));
      const step = current === undefined || before.counting ? 0 : handled(current) - handled(before);
      dealtWith += step;
      // A counting page retries nothing, and a page may come back empty with a cursor (AWS listings
      // are bounded): each still costs a step.
      left -= Math.max(1, step);
    }
  }
  return dealtWith;
}

/** Notifications the job has dealt with: retried, or found no longer FAILED. */
function handled(job: RecoveryJob): number {
  return job.retried + job.skipped;
}

/**
 * One step. While counting: the next page of matching FAILED notifications, counted into `matched`,
 * and from the last page on the job retries from the first again. Then: the next page, each through
 * the manual retry's conditional FAILED → QUEUED, and the job's progress in one conditional write.
 * Undefined when another runner recorded this step first. Each retry is conditional, so no
 * notification is retried twice by racing runners or by a step repeated after a crash (between the
 * retries and the write): what was retried is no longer FAILED and comes back as skipped. A match
 * that leaves FAILED between the count and its retry is no longer listed: it is counted as skipped
 * when the job ends, so `retried + skipped = matched`; one that fails after the count and is
 * reached raises `matched` with it. The counts are exact when the job runs undisturbed.
 */
export async function advanceRecovery(
  deps: AppDependencies,
  job: RecoveryJob,
  size: number,
): Promise<RecoveryJob | undefined> {
  let page: ListPage;
  try {
    page = await listMatches(deps, job, job.counting ? COUNT_STEP_SIZE : size);
  } catch (error) {
    // A store that cannot be reached is tried again next time; anything else will not get better.
    if (error instanceof HeraldError && error.code === 'SYSTEM_ERROR') throw error;
    return finish(deps, job, 'FAILED', (error as Error).message);
  }
  if (job.counting) {
    const more = page.nextCursor !== undefined;
    const counted: RecoveryJob = {
      ...job,
      counting: more,
      matched: job.matched + page.items.length,
      cursor: more ? (page.nextCursor as string) : null,
    };
    return deps.recoveries.update(counted, job.version);
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
    retried: job.retried + retried,
    skipped: job.skipped + skipped,
    cursor: page.nextCursor ?? null,
  };
  progressed.matched = Math.max(job.matched, handled(progressed));
  if (page.nextCursor === undefined) {
    // What was counted and is no longer listed left FAILED before the job reached it.
    return finish(deps, { ...progressed, skipped: progressed.matched - progressed.retried }, 'DONE', null);
  }
  return deps.recoveries.update(progressed, job.version);
}

/** The next page of FAILED notifications the job's filter matches, after its cursor. */
function listMatches(deps: AppDependencies, job: RecoveryJob, limit: number): Promise<ListPage> {
  const { filter } = job;
  return deps.store.list({
    statuses: [filter.status],
    ...(filter.destination === undefined ? {} : { destination: filter.destination }),
    ...(filter.createdAfter === undefined ? {} : { createdAfter: filter.createdAfter }),
    ...(filter.createdBefore === undefined ? {} : { createdBefore: filter.createdBefore }),
    limit,
    ...(job.cursor === null ? {} : { cursor: job.cursor }),
  });
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
