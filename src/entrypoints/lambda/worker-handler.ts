import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DESTINATION_ATTRIBUTE, HELD_SINCE_ATTRIBUTE, heldSinceOf } from '../../adapters/sqs/sqs-queue.js';
import { deliverNotification } from '../../app/deliver-notification.js';
import { invocation, type LambdaRuntime, readSecretsKeyAtColdStart } from './runtime.js';

/**
 * One message = one notification id. A message whose record handler throws (the store failed) is
 * reported in `batchItemFailures` and comes back after its visibility timeout; after
 * maxReceiveCount tries SQS moves it to the DLQ. A retry is a new delayed message, sent before this
 * one is reported done, so a crash in between leaves a duplicate, never nothing.
 *
 * Batches from the ordered (FIFO) queue are processed one record after another, and a notification
 * due later keeps its message: postponed by its visibility timeout and reported failed, so it is not
 * deleted and its key's next message stays behind it. The records of its key after it in the batch
 * are failed unprocessed (skipGroupOnError) and come back in order.
 */
export function createWorkerHandler(runtime: LambdaRuntime) {
  const { deps, orderedMessages } = runtime;

  // Read during the cold start, so the first signed delivery does not wait on Secrets Manager; a
  // failed read is retried by that delivery.
  if (deps.signingSecrets.configured) {
    deps.signingSecrets.current().catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'signing secrets not read at cold start; the first signed delivery retries');
    });
  }
  readSecretsKeyAtColdStart(runtime);

  async function deliverRecord(record: SQSRecord): Promise<void> {
    const notificationId = record.body;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const destination = record.messageAttributes?.[DESTINATION_ATTRIBUTE]?.stringValue;
    const heldSince = heldSinceOf(record.messageAttributes?.[HELD_SINCE_ATTRIBUTE]?.stringValue);
    const outcome = await deliverNotification(deps, notificationId, receiveCount, destination, heldSince);
    // Reported as a batch item failure: SQS hands it out again after its visibility timeout.
    if (outcome.action === 'redeliver') throw new KeptInQueueError(notificationId, 'it is not stored yet');
    if (outcome.action !== 'retryLater') return;
    if (record.attributes.MessageGroupId === undefined) {
      const { delayMs, destination: sentTo, heldSince: held } = outcome;
      await deps.queue.send(notificationId, { delayMs, destination: sentTo, heldSince: held });
      return;
    }
    if (orderedMessages === undefined) throw new Error('a record of the ordered queue, and no ordered queue');
    const message = { notificationId, receiptHandle: record.receiptHandle, receiveCount, ordered: true };
    await orderedMessages.postpone(message, outcome.delayMs);
    throw new KeptInQueueError(notificationId, `it is due in ${outcome.delayMs} ms; its key waits behind it`);
  }

  return invocation(runtime, (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // A processor per invocation: it keeps the batch's failures in itself (outside Lambda's own
    // invoke store, which start:aws-local does not have), so one shared by concurrent invocations
    // would let one batch reset another's failures, and a failed message would be deleted.
    if (event.Records[0]?.attributes.MessageGroupId !== undefined) {
      return processPartialResponse(event, deliverRecord, new SqsFifoPartialProcessorAsync(), {
        context,
        skipGroupOnError: true,
      });
    }
    // Records of a standard batch are processed concurrently: each is a separate notification.
    return processPartialResponse(event, deliverRecord, new BatchProcessor(EventType.SQS), {
      context,
      processInParallel: true,
    });
  });
}

/** Thrown to report a record failed: its message is not deleted, and comes back when visible again. */
class KeptInQueueError extends Error {
  constructor(notificationId: string, why: string) {
    super(`notification ${notificationId}: its message is kept, as ${why}`);
  }
}
