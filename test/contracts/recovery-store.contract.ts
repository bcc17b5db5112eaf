import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newRecoveryJob, type RecoveryJob } from '../../src/domain/recovery.js';
import type { RecoveryStore } from '../../src/ports/recovery-store.js';

export interface RecoveryStoreHarness {
  store: RecoveryStore;
  cleanup(): Promise<void>;
}

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();

/** The behaviour every RecoveryStore must have (src/ports/recovery-store.ts). */
export function describeRecoveryStoreContract(name: string, makeHarness: () => Promise<RecoveryStoreHarness>): void {
  describe(`RecoveryStore contract: ${name}`, () => {
    let harness: RecoveryStoreHarness;
    let store: RecoveryStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    const job = (id: string, startedAt: string): RecoveryJob =>
      newRecoveryJob(id, { status: 'FAILED', destination: 'https://a.example', createdAfter: at(0) }, startedAt);

    it('stores a job and reads it back whole; an unknown id is undefined', async () => {
      const created = job('job-1', at(1));
      await store.create(created);
      expect(await store.get('job-1')).toStrictEqual(created);
      expect(await store.get('job-2')).toBeUndefined();
    });

    it('updates only from the version read: the second of two writers from one version loses', async () => {
      const created = job('job-1', at(1));
      await store.create(created);
      const step = { ...created, matched: 5, retried: 4, skipped: 1, cursor: 'next-page' };

      const first = await store.update(step, created.version);
      const second = await store.update({ ...step, matched: 99 }, created.version);

      expect(first).toStrictEqual({ ...step, version: created.version + 1 });
      expect(second).toBeUndefined();
      expect(await store.get('job-1')).toStrictEqual(first);
    });

    it('lists the running jobs oldest first, not the finished ones, up to the limit', async () => {
      for (const [id, seconds] of [
        ['late', 30],
        ['early', 10],
        ['done', 5],
        ['middle', 20],
      ] as const) {
        await store.create(job(id, at(seconds)));
      }
      const done = (await store.get('done')) as RecoveryJob;
      expect(await store.update({ ...done, state: 'DONE', finishedAt: at(40) }, done.version)).toBeDefined();

      expect((await store.listRunning(10)).map((j) => j.id)).toEqual(['early', 'middle', 'late']);
      expect((await store.listRunning(2)).map((j) => j.id)).toEqual(['early', 'middle']);
    });
  });
}
