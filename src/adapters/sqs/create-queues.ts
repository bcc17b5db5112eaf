import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueSettings {
  /** Receives after which SQS moves a message to the dead-letter queue. */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

export interface HeraldQueues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** SQS's maximum retention: a dead letter stays 14 days for an operator to look at. */
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * Creates the dead-letter queue and the delivery queue redriving to it, as the CDK stack defines them.
 * For local engines and tests; in AWS the stack owns the queues. `prefix` keeps names unique per test.
 */
export async function createHeraldQueues(
  client: SQSClient,
  prefix: string,
  settings: QueueSettings,
): Promise<HeraldQueues> {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-dlq`,
      Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) },
    }),
  );
  const dlqUrl = required(dlq.QueueUrl, 'dead-letter queue URL');
  const dlqAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = required(dlqAttributes.Attributes?.QueueArn, 'dead-letter queue ARN');

  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-delivery`,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
      },
    }),
  );
  const queueUrl = required(queue.QueueUrl, 'delivery queue URL');
  const queueAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { queueUrl, queueArn: required(queueAttributes.Attributes?.QueueArn, 'delivery queue ARN'), dlqUrl, dlqArn };
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`SQS did not return the ${what}`);
  return value;
}
