import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { waitFor } from './wait-for.js';

/** The queue's approximate numbers of visible, in-flight and delayed messages, as SQS reports them. */
export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Attributes;
}

/** Nothing visible, in flight or delayed: every message sent has been received and settled. */
export async function waitForIdleQueue(sqs: SQSClient, queueUrl: string, timeoutMs?: number): Promise<void> {
  await waitFor(
    async () => (Object.values(await queueCounts(sqs, queueUrl)).every((count) => count === '0') ? true : undefined),
    { timeoutMs, what: 'the delivery queue to be idle' },
  );
}
