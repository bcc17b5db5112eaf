import { describe, expect, it } from 'vitest';
import { acceptNotification } from '../../src/app/accept-notification.js';
import { HeraldError } from '../../src/domain/errors.js';
import type { DeliveryQueue } from '../../src/ports/delivery-queue.js';
import { fakeDependencies, unusedQueue } from '../helpers/fakes.js';

function withRecordingQueue() {
  const sent: string[] = [];
  const queue: DeliveryQueue = {
    send: async (id) => {
      sent.push(id);
    },
  };
  return { deps: { ...fakeDependencies(), queue }, sent };
}

describe('acceptNotification', () => {
  it('stores a notification without an idempotency key QUEUED, with no request fingerprint', async () => {
    const { deps, sent } = withRecordingQueue();

    const { outcome, notification } = await acceptNotification(deps, {
      url: 'https://vendor.example/a',
      body: { a: 1 },
    });

    expect(outcome).toBe('created');
    expect(sent).toEqual([notification.id]);
    expect(await deps.store.get(notification.id)).toMatchObject({ status: 'QUEUED', requestHash: '' });
  });

  it('puts the record back to PENDING when the message could not be sent, and answers PENDING', async () => {
    const deps = {
      ...fakeDependencies(),
      queue: { ...unusedQueue, send: () => Promise.reject(new Error('queue down')) },
    };

    const { outcome, notification } = await acceptNotification(deps, { url: 'https://vendor.example/a' });

    expect(outcome).toBe('created');
    expect(notification.status).toBe('PENDING');
    expect(await deps.store.get(notification.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(
      await deps.store.listStalePending(new Date(Date.parse(notification.createdAt) + 1).toISOString(), 10),
    ).toEqual([notification.id]);
  });

  it('answers QUEUED when the record cannot be put back to PENDING: claimed meanwhile, or the store failed', async () => {
    const failingSend = { ...unusedQueue, send: () => Promise.reject(new Error('queue down')) };
    const claimedMeanwhile = { ...fakeDependencies(), queue: failingSend };
    claimedMeanwhile.store.markPending = async () => false;
    const storeDown = { ...fakeDependencies(), queue: failingSend };
    storeDown.store.markPending = () => Promise.reject(new Error('store down'));

    const claimed = await acceptNotification(claimedMeanwhile, { url: 'https://vendor.example/a' });
    const unmarked = await acceptNotification(storeDown, { url: 'https://vendor.example/a' });

    expect(claimed.notification.status).toBe('QUEUED');
    expect(unmarked.notification.status).toBe('QUEUED');
    expect(storeDown.logger.entries.filter((e) => e.level === 'error').map((e) => e.fields.notificationId)).toEqual([
      unmarked.notification.id,
    ]);
  });

  it('fingerprints a keyed request: the same content replays whatever its key order, other content conflicts', async () => {
    const { deps, sent } = withRecordingQueue();
    const request = { url: 'https://vendor.example/a', body: { a: 1, b: 2 }, idempotencyKey: 'order-1' };

    const first = await acceptNotification(deps, request);
    const replay = await acceptNotification(deps, { ...request, body: { b: 2, a: 1 } });
    const conflict = await acceptNotification(deps, { ...request, body: { a: 2, b: 2 } }).catch((e: unknown) => e);

    expect(first.notification.requestHash).not.toBe('');
    expect(replay).toMatchObject({ outcome: 'replayed', notification: { id: first.notification.id } });
    expect(conflict).toBeInstanceOf(HeraldError);
    expect((conflict as HeraldError).code).toBe('IDEMPOTENCY_CONFLICT');
    expect(sent).toEqual([first.notification.id]);
  });
});
