import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DESTINATION_ATTRIBUTE } from '../../adapters/sqs/sqs-queue.js';
import { deliverNotification } from '../../app/deliver-notification.js';
import { invocation, type LambdaRuntime } from './runtime.js';

/**
 * One message = one notification id. A message whose record handler throws (the store failed) is
 * reported in `batchItemFailures` and comes back after its visibility timeout; after
 * maxReceiveCount tries SQS moves it to the DLQ. A retry is a new delayed message, sent before this
 * one is reported done, so a crash in between leaves a duplicate, never nothing.
 */
export function createWorkerHandler(runtime: LambdaRuntime) {
  const { deps } = runtime;

  // Read during the cold start, so the first signed delivery does not wait on Secrets Manager; a
  // failed read is retried by that delivery.
  if (deps.signingSecrets.configured) {
    deps.signingSecrets.current().catch((error: unknown) => {
      deps.logger.warn({ err: error }, 'signing secrets not read at cold start; the first signed delivery retries');
    });
  }

  async function deliverRecord(record: SQSRecord): Promise<void> {
    const notificationId = record.body;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const destination = record.messageAttributes?.[DESTINATION_ATTRIBUTE]?.stringValue;
    const outcome = await deliverNotification(deps, notificationId, receiveCount, destination);
    // Reported as a batch item failure: SQS hands it out again after its visibility timeout.
    if (outcome.action === 'redeliver') throw new NotStoredYetError(notificationId);
    if (outcome.action === 'retryLater') await deps.queue.send(notificationId, outcome.delayMs, outcome.destination);
  }

  return invocation(
    runtime,
    (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
      // A processor per invocation: it keeps the batch's failures in itself (outside Lambda's own
      // invoke store, which start:aws-local does not have), so one shared by concurrent invocations
      // would let one batch reset another's failures, and a failed message would be deleted.
      // Records of a batch are processed concurrently: each is a separate notification.
      processPartialResponse(event, deliverRecord, new BatchProcessor(EventType.SQS), {
        context,
        processInParallel: true,
      }),
  );
}

class NotStoredYetError extends Error {
  constructor(notificationId: string) {
    super(`notification ${notificationId} is not stored yet; its message is left for redelivery`);
  }
}
