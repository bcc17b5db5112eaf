import { isFinal } from '../domain/notification.js';
import { isNotificationId } from '../domain/notification-id.js';
import type { MessageSource, QueueMessage } from '../ports/delivery-queue.js';
import type { AppDependencies } from './dependencies.js';
import { routingOf } from './enqueue.js';

/**
 * How many times the sweeper sends one notification back from a dead-letter queue. A message lands
 * there after too many receives without a delete: a worker that kept dying (each claim after it
 * records an INTERRUPTED attempt, so the attempt budget ends that loop FAILED), a store outage longer
 * than the receives, or a bug before the claim. Only the last loops without progress, so a message
 * redriven this often is left for an operator (docs/operations.md, "Redrive the DLQ").
 */
export const MAX_REDRIVES = 3;

/**
 * How long a message left for an operator stays hidden from the sweeper before it is looked at again.
 * Under SQS's 12 hours, which it counts from the receive.
 */
const LEFT_FOR_OPERATOR_MS = 11 * 3600_000;
/** A received message the sweeper has not answered by then is handed out again. */
const VISIBILITY_MS = 60_000;

export interface RedriveCounts {
  /** Sent back to their delivery queue. */
  redriven: number;
  /** Deleted: their notification had ended (or expired), so there was nothing left to deliver. */
  dropped: number;
  /** Redriven MAX_REDRIVES times already, or not naming a notification: kept for an operator. */
  left: number;
  /** Not handled (the store or the queue failed): back in the dead-letter queue after its visibility timeout. */
  failed: number;
}

/**
 * Sends the notifications of dead-lettered messages back to be delivered, so that none stays
 * QUEUED or PROCESSING until its message expires from the dead-letter queue. At most `limitPerQueue`
 * messages of each queue per call. Safe beside the workers: a duplicate message only costs a refused
 * claim. A message whose handling fails (the store or the queue down) is logged and comes back
 * after its visibility timeout; only a failed receive throws.
 */
export async function redriveDeadLetters(
  deps: AppDependencies,
  deadLetters: readonly MessageSource[],
  limitPerQueue = 100,
): Promise<RedriveCounts> {
  const counts: RedriveCounts = { redriven: 0, dropped: 0, left: 0, failed: 0 };
  for (const source of deadLetters) {
    for (let handled = 0; handled < limitPerQueue; ) {
      const messages = await source.receive({
        maxMessages: Math.min(10, limitPerQueue - handled),
        visibilityTimeoutMs: VISIBILITY_MS,
        waitTimeMs: 0,
      });
      if (messages.length === 0) break;
      for (const message of messages) counts[await redriveOrLog(deps, source, message)] += 1;
      handled += messages.length;
    }
  }
  if (counts.redriven + counts.dropped + counts.left + counts.failed > 0) {
    deps.logger.info({ ...counts }, 'sweeper handled dead-lettered messages');
  }
  if (counts.left > 0) {
    deps.logger.warn({ left: counts.left }, 'dead-lettered messages redriven too often are left for an operator');
  }
  return counts;
}

async function redriveOrLog(
  deps: AppDependencies,
  source: MessageSource,
  message: QueueMessage,
): Promise<keyof RedriveCounts> {
  try {
    return await redrive(deps, source, message);
  } catch (error) {
    deps.logger.warn(
      { notificationId: message.notificationId, err: error },
      'dead-lettered message not handled; it comes back for the next sweep',
    );
    return 'failed';
  }
}

async function redrive(
  deps: AppDependencies,
  source: MessageSource,
  message: QueueMessage,
): Promise<Exclude<keyof RedriveCounts, 'failed'>> {
  const redrives = message.redrives ?? 0;
  // A body that cannot be one of our ids is not ours to judge (and must not reach the store).
  if (redrives >= MAX_REDRIVES || !isNotificationId(message.notificationId)) {
    await source.postpone(message, LEFT_FOR_OPERATOR_MS);
    return 'left';
  }
  // Without its body: the sweeper has no permission to read one (bodies over 8 KiB are in S3).
  const notification = await deps.store.get(message.notificationId, { body: false });
  if (notification === undefined || isFinal(notification.status)) {
    await source.delete(message);
    return 'dropped';
  }
  // Sent before the delete: a crash in between leaves a duplicate, never a loss.
  await deps.queue.send(notification.id, { ...routingOf(notification), redrives: redrives + 1 });
  await source.delete(message);
  deps.logger.warn(
    { notificationId: notification.id, status: notification.status, redrives: redrives + 1 },
    'dead-lettered message sent back for delivery',
  );
  return 'redriven';
}
