import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueSettings {
  /** Receives after which SQS moves a message to the dead-letter queue. */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** How long each queue keeps a message; omitted: the engine's default (SQS: 4 days). */
  retentionSeconds?: { queue?: number; deadLetterQueue?: number };
}

export interface HeraldQueues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

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
      Attributes: retention(settings.retentionSeconds?.deadLetterQueue),
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
        ...retention(settings.retentionSeconds?.queue),
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

function retention(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { MessageRetentionPeriod: String(seconds) };
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`SQS did not return the ${what}`);
  return value;
}
