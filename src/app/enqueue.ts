import type { Notification, Status } from '../domain/notification.js';
import type { AppDependencies } from './dependencies.js';

/** What a notification's message carries besides its id: where it goes, and in which key's line. */
export type MessageRouting = Partial<Pick<Notification, 'destination' | 'orderingKey'>>;

export function routingOf(notification: Pick<Notification, 'destination' | 'orderingKey'>): MessageRouting {
  return { destination: notification.destination, orderingKey: notification.orderingKey };
}

/**
 * Sends the notification's message. Never throws: false (logged) when the queue refused it, and the
 * record is then left PENDING for the sweeper.
 */
export async function sendMessage(deps: AppDependencies, id: string, routing: MessageRouting = {}): Promise<boolean> {
  try {
    await deps.queue.send(id, routing);
    return true;
  } catch (error) {
    deps.logger.warn({ notificationId: id, err: error }, 'enqueue failed; the record stays PENDING for the sweeper');
    return false;
  }
}

/**
 * PENDING → (queue) → QUEUED for a stored record, shared by manual retry and the sweeper. Never
 * throws: a failed send leaves the record PENDING for the sweeper, and a failed QUEUED write is
 * harmless because the worker claims PENDING records too. Returns the status the record is known
 * to have. `at` is the QUEUED write's `lastUpdatedAt`: callers that answer with the record pass the
 * time it already carries, so the answer and the stored record agree.
 */
export async function enqueueAndMarkQueued(
  deps: AppDependencies,
  id: string,
  at: string = deps.clock.now().toISOString(),
  routing: MessageRouting = {},
): Promise<Status> {
  if (!(await sendMessage(deps, id, routing))) return markForSweep(deps, id, at, 'PENDING');
  try {
    // False means a worker already claimed it: it is at least QUEUED as far as the caller is concerned.
    await deps.store.markQueued(id, at);
    return 'QUEUED';
  } catch (error) {
    deps.logger.warn({ notificationId: id, err: error }, 'QUEUED write failed; the worker will claim it from PENDING');
    return 'PENDING';
  }
}

/**
 * A stored record whose message could not be sent is written PENDING as of `at`: where a store keeps
 * a lasting list of such records (DynamoDB's sparse index), the sweeper finds it there, whatever its
 * creation-time index shows by then. Never throws. Returns the status the record is known to have:
 * PENDING once written; QUEUED when a worker claimed it meanwhile (the send had gone through after
 * all); `unwritten`, the status it was stored with, when the write failed — the sweeper's walk by
 * creation time is then what finds it.
 */
export async function markForSweep(deps: AppDependencies, id: string, at: string, unwritten: Status): Promise<Status> {
  try {
    return (await deps.store.markPending(id, at)) ? 'PENDING' : 'QUEUED';
  } catch (error) {
    deps.logger.error(
      { notificationId: id, err: error },
      `stored ${unwritten} without a message, and the PENDING write failed`,
    );
    return unwritten;
  }
}
