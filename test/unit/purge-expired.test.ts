import { describe, expect, it } from 'vitest';
import { PURGE_BATCH_SIZE, PURGE_PAUSE_FACTOR, purgeExpired } from '../../src/app/purge-expired.js';
import type { PurgeableStore } from '../../src/ports/notification-store.js';
import { FakeClock, RecordingLogger } from '../helpers/fakes.js';

/** A store with `batches` full batches past retention, each taking `batchMs` on the fake clock. */
function backlog(clock: FakeClock, batches: number, batchMs: number) {
  const calls: string[] = [];
  const store: PurgeableStore = {
    async purgeFinal(createdBefore, limit) {
      calls.push(createdBefore);
      clock.advance(batchMs);
      return calls.length <= batches ? limit : 0;
    },
  };
  return { store, calls };
}

describe('purgeExpired (retention in the single process)', () => {
  it('pauses after each full batch for a multiple of the time the batch took, so a large purge leaves the server most of its time', async () => {
    const clock = new FakeClock('2030-06-01T00:00:00.000Z');
    const { store, calls } = backlog(clock, 3, 10);
    const pauses: number[] = [];

    const purged = await purgeExpired({ clock, logger: new RecordingLogger() }, store, 30, {
      pause: async (ms) => {
        pauses.push(ms);
      },
    });

    expect(purged).toBe(3 * PURGE_BATCH_SIZE);
    expect(calls).toHaveLength(4);
    // Every batch with the cutoff taken once, at the start: rows that age past it meanwhile wait for the next run.
    expect(new Set(calls)).toEqual(new Set(['2030-05-02T00:00:00.000Z']));
    // No pause after the last batch, which came back short: nothing was left.
    expect(pauses).toEqual(new Array(3).fill(PURGE_PAUSE_FACTOR * 10));
  });

  it('stops between batches once its signal is aborted, and says how many it deleted', async () => {
    const clock = new FakeClock('2030-06-01T00:00:00.000Z');
    const { store, calls } = backlog(clock, 10, 1);
    const stopping = new AbortController();
    const logger = new RecordingLogger();

    const purged = await purgeExpired({ clock, logger }, store, 30, {
      pause: async () => {
        if (calls.length === 2) stopping.abort();
      },
      signal: stopping.signal,
    });

    expect(calls).toHaveLength(2);
    expect(purged).toBe(2 * PURGE_BATCH_SIZE);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ fields: expect.objectContaining({ purged: 2 * PURGE_BATCH_SIZE }) }),
    );
  });
});
