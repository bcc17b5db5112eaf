import { describe, expect, it } from 'vitest';
import { MAX_REDRIVES, redriveDeadLetters } from '../../src/app/redrive-dead-letters.js';
import type { MessageSource, QueueMessage, SendOptions } from '../../src/ports/delivery-queue.js';
import { fakeDependencies } from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';

/** A dead-letter queue in memory: receive hands out what is visible, in order. */
class FakeDeadLetters implements MessageSource {
  readonly deleted: string[] = [];
  readonly postponed: string[] = [];
  constructor(private visible: QueueMessage[]) {}
  async receive({ maxMessages }: { maxMessages: number }): Promise<QueueMessage[]> {
    const batch = this.visible.slice(0, maxMessages);
    this.visible = this.visible.slice(batch.length);
    return batch;
  }
  async delete(message: QueueMessage): Promise<void> {
    this.deleted.push(message.notificationId);
  }
  async postpone(message: QueueMessage): Promise<void> {
    this.postponed.push(message.notificationId);
  }
}

const message = (notificationId: string, redrives?: number): QueueMessage => ({
  notificationId,
  receiptHandle: `receipt-${notificationId}`,
  receiveCount: 6,
  ...(redrives === undefined ? {} : { redrives }),
});

describe('redriveDeadLetters', () => {
  it('sends a notification still to deliver back with its redrive count, drops an ended one, leaves the rest', async () => {
    const deps = fakeDependencies();
    const sent: [string, SendOptions | undefined][] = [];
    deps.queue = { send: async (id, options) => void sent.push([id, options]) };
    const queued = makeNotification({ status: 'QUEUED', orderingKey: 'k' });
    const ended = makeNotification({ status: 'SUCCESS' });
    const often = makeNotification({ status: 'QUEUED' });
    for (const n of [queued, ended, often]) await deps.store.insert(n);
    const dlq = new FakeDeadLetters([
      message(queued.id, 1),
      message(ended.id),
      message(often.id, MAX_REDRIVES),
      message('not-an-id'),
    ]);

    expect(await redriveDeadLetters(deps, [dlq])).toEqual({ redriven: 1, dropped: 1, left: 2, failed: 0 });
    expect(sent).toEqual([[queued.id, { destination: queued.destination, orderingKey: 'k', redrives: 2 }]]);
    expect(dlq.deleted).toEqual([queued.id, ended.id]);
    expect(dlq.postponed).toEqual([often.id, 'not-an-id']);
  });

  it('goes on past a message it cannot handle, which stays in the queue, and reads every queue', async () => {
    const deps = fakeDependencies();
    deps.queue = {
      send: async (id) => {
        if (id === failing.id) throw new Error('SQS is down for this one');
      },
    };
    const failing = makeNotification({ status: 'QUEUED' });
    const fine = makeNotification({ status: 'QUEUED' });
    const ordered = makeNotification({ status: 'PROCESSING', orderingKey: 'line' });
    for (const n of [failing, fine, ordered]) await deps.store.insert(n);
    // More than the per-queue limit in the first queue: the second is read all the same.
    const standard = new FakeDeadLetters([message(failing.id), message(fine.id), message(fine.id)]);
    const fifo = new FakeDeadLetters([message(ordered.id)]);

    expect(await redriveDeadLetters(deps, [standard, fifo], 2)).toEqual({
      redriven: 2,
      dropped: 0,
      left: 0,
      failed: 1,
    });
    expect(standard.deleted).toEqual([fine.id]);
    expect(fifo.deleted).toEqual([ordered.id]);
    expect(deps.logger.entries.some((e) => e.message.includes('not handled'))).toBe(true);
  });
});
