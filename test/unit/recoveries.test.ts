import { describe, expect, it } from 'vitest';
import { advanceRecoveries, advanceRecovery, getRecovery, startRecovery } from '../../src/app/recoveries.js';
import type { Notification } from '../../src/domain/notification.js';
import type { RecoveryJob } from '../../src/domain/recovery.js';
import { type FakeDependencies, fakeDependencies } from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();
const A = 'https://a.example';

/** A dependency set whose queue accepts every send, with notifications already in the given statuses. */
async function withNotifications(specs: [Notification['status'], string, number][]) {
  const deps: FakeDependencies = { ...fakeDependencies(), queue: { send: async () => {} } };
  const stored: Notification[] = [];
  for (const [status, origin, seconds] of specs) {
    const notification = makeNotification({ status, url: `${origin}/hook`, createdAt: at(seconds), attempts: 1 });
    await deps.store.insert(notification);
    stored.push(notification);
  }
  return { deps, stored };
}

describe('bulk recovery', () => {
  it('retries every FAILED notification of its filter, a step at a time, and ends DONE', async () => {
    const { deps, stored } = await withNotifications([
      ['FAILED', A, 1],
      ['FAILED', A, 2],
      ['FAILED', 'https://b.example', 3],
      ['SUCCESS', A, 4],
      ['FAILED', A, 5],
    ]);
    const job = await startRecovery(deps, { status: 'FAILED', destination: A });
    expect(job).toMatchObject({
      state: 'RUNNING',
      counting: true,
      matched: 0,
      retried: 0,
      skipped: 0,
      finishedAt: null,
    });

    // It counts what it matches first: progress is then shown against that total.
    const counted = (await advanceRecovery(deps, job, 2)) as RecoveryJob;
    expect(counted).toMatchObject({ state: 'RUNNING', counting: false, matched: 3, retried: 0, version: 2 });
    expect((await deps.store.get((stored[0] as Notification).id))?.status).toBe('FAILED');
    const first = (await advanceRecovery(deps, counted, 2)) as RecoveryJob;
    expect(first).toMatchObject({ state: 'RUNNING', matched: 3, retried: 2, version: 3 });
    const second = (await advanceRecovery(deps, first, 2)) as RecoveryJob;

    expect(second).toMatchObject({ state: 'DONE', matched: 3, retried: 3, skipped: 0, error: null });
    expect(second.finishedAt).not.toBeNull();
    const statuses = await Promise.all(stored.map(async (n) => (await deps.store.get(n.id))?.status));
    expect(statuses).toEqual(['QUEUED', 'QUEUED', 'FAILED', 'SUCCESS', 'QUEUED']);
    expect(await getRecovery(deps, job.id)).toStrictEqual(second);
  });

  it('counts as skipped a match that left FAILED before the job reached it, and loses a step to a faster runner', async () => {
    const { deps, stored } = await withNotifications([
      ['FAILED', A, 1],
      ['FAILED', A, 2],
    ]);
    const job = await startRecovery(deps, { status: 'FAILED' });
    // The older one is retried by hand after the job's page was read: the store refuses the job's retry.
    const list = deps.store.list.bind(deps.store);
    deps.store.list = async (query) => {
      const page = await list(query);
      await deps.store.reopen((stored[0] as Notification).id, at(10));
      return page;
    };

    const counted = (await advanceRecovery(deps, job, 20)) as RecoveryJob;
    const done = await advanceRecovery(deps, counted, 20);

    expect(done).toMatchObject({ state: 'DONE', matched: 2, retried: 1, skipped: 1 });
    // Another runner holding the job as it was before cannot record its step over this one.
    expect(await advanceRecovery(deps, counted, 20)).toBeUndefined();
    expect((await getRecovery(deps, job.id)).version).toBe(3);
  });

  it('counts a match that leaves FAILED between the count and its retry as skipped, so retried and skipped add up to matched', async () => {
    const { deps, stored } = await withNotifications([
      ['FAILED', A, 1],
      ['FAILED', A, 2],
      ['FAILED', A, 3],
    ]);
    const job = await startRecovery(deps, { status: 'FAILED' });
    const counted = (await advanceRecovery(deps, job, 20)) as RecoveryJob;
    expect(counted).toMatchObject({ matched: 3, retried: 0, skipped: 0 });
    await deps.store.reopen((stored[1] as Notification).id, at(10));

    const done = await advanceRecovery(deps, counted, 20);

    expect(done).toMatchObject({ state: 'DONE', matched: 3, retried: 2, skipped: 1 });
  });

  it('advances every running job within the budget, and a job whose listing fails for good ends FAILED', async () => {
    const { deps } = await withNotifications(
      Array.from({ length: 5 }, (_, i) => ['FAILED', A, i] as const).map((s) => [...s]),
    );
    const job = await startRecovery(deps, { status: 'FAILED' });
    const broken = await startRecovery(deps, { status: 'FAILED' });
    await deps.recoveries.update({ ...broken, cursor: 'not a cursor' }, broken.version);

    // The notifications dealt with, not the budget spent: a counting page costs a step and retries none.
    expect(await advanceRecoveries(deps, 100)).toBe(5);

    expect(await getRecovery(deps, job.id)).toMatchObject({ state: 'DONE', matched: 5, retried: 5 });
    expect(await getRecovery(deps, broken.id)).toMatchObject({
      state: 'FAILED',
      error: expect.stringMatching(/cursor/),
    });
    await expect(getRecovery(deps, 'no-such-job')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stops between steps once told to, whatever budget is left (a counting page spends one step of it)', async () => {
    const { deps } = await withNotifications(Array.from({ length: 250 }, (_, i) => ['FAILED', A, i]));
    const job = await startRecovery(deps, { status: 'FAILED' });
    let steps = 0;

    // The sweeper's time left: a budget of a thousand counting pages, each a listing and a job write,
    // must not run its invocation out before the dead-letter redrive after it.
    await advanceRecoveries(deps, 1000, () => steps++ < 2);

    expect(await getRecovery(deps, job.id)).toMatchObject({ state: 'RUNNING', counting: true, matched: 200 });
  });
});
