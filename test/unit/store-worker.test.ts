import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/domain/notification.js';
import { StoreWorker } from '../../src/entrypoints/node/store-worker.js';
import { WakeSignal } from '../../src/entrypoints/node/wake-signal.js';
import type { ClaimableStore } from '../../src/ports/notification-store.js';
import { fakeDependencies } from '../helpers/fakes.js';

/** A store with one destination due, whose claim answers when the test says so. */
function heldClaimStore() {
  let answer: (claimed: Notification[]) => void = () => {};
  let claimStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    claimStarted = resolve;
  });
  const store: ClaimableStore = {
    dueDestinations: async () => [{ destination: 'https://vendor.example', dueAt: 0 }],
    claimDue: () => {
      claimStarted();
      return new Promise<Notification[]>((resolve) => {
        answer = resolve;
      });
    },
  };
  return { store, started, answer: (claimed: Notification[]) => answer(claimed) };
}

describe('StoreWorker.roundEnded', () => {
  let worker: StoreWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
  });

  it('settles only once the round under way has claimed: what its gate decided on is spent', async () => {
    const { store, started, answer } = heldClaimStore();
    worker = new StoreWorker(fakeDependencies(), store, new WakeSignal(), { concurrency: 4, idleWaitMs: 60_000 });
    worker.start();
    await started;

    let ended = false;
    const roundEnded = worker.roundEnded().then(() => {
      ended = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ended).toBe(false);

    answer([]);
    await roundEnded;
    expect(ended).toBe(true);
  });

  it('settles at once between rounds', async () => {
    worker = new StoreWorker(
      fakeDependencies(),
      { dueDestinations: async () => [], claimDue: async () => [] },
      new WakeSignal(),
      { concurrency: 4, idleWaitMs: 60_000 },
    );
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the first round found nothing
    let ended = false;
    await Promise.race([
      worker.roundEnded().then(() => {
        ended = true;
      }),
      new Promise((resolve) => setTimeout(resolve, 20)),
    ]);
    expect(ended).toBe(true);
  });
});
