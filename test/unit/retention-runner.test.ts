import { describe, expect, it } from 'vitest';
import { PURGE_BATCH_SIZE } from '../../src/app/purge-expired.js';
import { RetentionRunner } from '../../src/entrypoints/node/retention-runner.js';
import type { PurgeableStore } from '../../src/ports/notification-store.js';
import { FakeClock, RecordingLogger } from '../helpers/fakes.js';

/** A store whose every purgeFinal waits until the test answers it. */
function heldStore() {
  const answers: ((deleted: number) => void)[] = [];
  const store: PurgeableStore = {
    purgeFinal: () => new Promise<number>((resolve) => answers.push(resolve)),
  };
  const answer = async (deleted: number) => {
    answers.shift()?.(deleted);
    // Lets the purge go on to its next batch (or its end) before the test looks.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { store, answers, answer };
}

describe('RetentionRunner (the single process runs retention at start-up and every minute)', () => {
  const deps = { clock: new FakeClock('2030-06-01T00:00:00.000Z'), logger: new RecordingLogger() };

  it('does not start a second purge while one is still going: a run due meanwhile is skipped', async () => {
    const { store, answers, answer } = heldStore();
    const runner = new RetentionRunner(deps, store, 30);

    runner.run();
    runner.run();
    expect(answers).toHaveLength(1);

    await answer(0);
    runner.run();
    expect(answers).toHaveLength(1);
    await answer(0);
    await runner.stop();
  });

  it('stop() ends a purge between two batches instead of waiting for the whole backlog', async () => {
    const { store, answers, answer } = heldStore();
    const runner = new RetentionRunner(deps, store, 30);
    runner.run();

    const stopped = runner.stop();
    await answer(PURGE_BATCH_SIZE);
    await stopped;

    expect(answers).toHaveLength(0);
  });

  it('removes idle destination records once the old notifications are gone, in the same run', async () => {
    const { store, answer } = heldStore();
    const cutoffs: string[] = [];
    const destinations = {
      purgeIdle: async (writtenBefore: string) => {
        cutoffs.push(writtenBefore);
        return 0;
      },
    };
    const runner = new RetentionRunner(deps, store, 30, destinations);
    runner.run();
    expect(cutoffs).toEqual([]);

    await answer(0);
    expect(cutoffs).toEqual(['2030-05-02T00:00:00.000Z']);
    await runner.stop();
  });
});
