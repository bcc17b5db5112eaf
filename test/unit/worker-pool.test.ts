import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/entrypoints/node/worker-pool.js';
import type { DeliveryQueue, MessageSource, QueueMessage } from '../../src/ports/delivery-queue.js';
import { FakeHttpSender, fakeDependencies, httpResponse } from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';
import { waitFor } from '../helpers/wait-for.js';

/** A queue holding `ids`, whose deletes stay pending until `releaseDeletes()`. */
function queueWithSlowDeletes(ids: string[]) {
  const waiting = ids.map((id, i): QueueMessage => ({ notificationId: id, receiptHandle: `r${i}`, receiveCount: 1 }));
  const deleted: string[] = [];
  const pendingDeletes: Array<() => void> = [];
  const queue: DeliveryQueue & MessageSource = {
    send: async () => {},
    receive: async ({ maxMessages }) => {
      const taken = waiting.splice(0, maxMessages);
      if (taken.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      return taken;
    },
    delete: (message) =>
      new Promise<void>((resolve) => {
        pendingDeletes.push(() => {
          deleted.push(message.notificationId);
          resolve();
        });
      }),
    postpone: async () => {
      throw new Error('nothing here is ordered');
    },
  };
  const releaseDeletes = () => {
    for (const release of pendingDeletes.splice(0)) release();
  };
  return { queue, deleted, pendingDeletes, releaseDeletes };
}

describe('WorkerPool', () => {
  it('frees a slot once the outcome is recorded, and waits for the pending deletes when it stops', async () => {
    const deps = fakeDependencies({ sender: new FakeHttpSender(httpResponse(200), httpResponse(200)) });
    const first = makeNotification({ status: 'QUEUED' });
    const second = makeNotification({ status: 'QUEUED' });
    await deps.store.insert(first);
    await deps.store.insert(second);
    const { queue, deleted, pendingDeletes, releaseDeletes } = queueWithSlowDeletes([first.id, second.id]);
    const pool = new WorkerPool(deps, queue, { concurrency: 1, pollWaitMs: 5 });

    pool.start();
    // With one slot, the second delivery runs while the first message's delete is still pending.
    await waitFor(async () => ((await deps.store.get(second.id))?.status === 'SUCCESS' ? true : undefined));
    expect((await deps.store.get(first.id))?.status).toBe('SUCCESS');
    expect(pendingDeletes).toHaveLength(2);
    expect(deleted).toEqual([]);

    let stopped = false;
    const stopping = pool.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    releaseDeletes();
    await stopping;
    expect(deleted).toEqual([first.id, second.id]);
  });
});
