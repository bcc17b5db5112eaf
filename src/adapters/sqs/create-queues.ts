import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueSettings {
  /** Receives after which SQS moves a message to the dead-letter queue. */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  /** How long each queue keeps a message; omitted: the engine's default (SQS: 4 days). */
  retentionSeconds?: { queue?: number; deadLetterQueue?: number };
}

/** A queue and the dead-letter queue it redrives to. */
export interface QueuePair {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

/** The FIFO queue of notifications with an ordering key: no dead-letter queue (deployment.ts, ORDERED_QUEUE). */
export interface OrderedQueueSettings {
  visibilityTimeoutSeconds: number;
  /** How long it keeps a message; omitted: the engine's default (SQS: 4 days). */
  retentionSeconds?: number;
}

export interface HeraldQueues extends QueuePair {
  /** The FIFO queue of notifications with an ordering key, when asked for. */
  ordered?: { queueUrl: string; queueArn: string };
}

/**
 * Creates the dead-letter queue and the delivery queue redriving to it, as the CDK stack defines them,
 * and with `ordered` settings the FIFO queue beside them. For local engines and tests; in AWS the
 * stack owns the queues. `prefix` keeps names unique per test.
 */
export async function createHeraldQueues(
  client: SQSClient,
  prefix: string,
  settings: QueueSettings,
  ordered?: OrderedQueueSettings,
): Promise<HeraldQueues> {
  const standard = await createQueuePair(client, { queue: `${prefix}-delivery`, dlq: `${prefix}-dlq` }, settings);
  if (ordered === undefined) return standard;
  const orderedUrl = await createQueue(client, `${prefix}-ordered.fifo`, {
    FifoQueue: 'true',
    ...retention(ordered.retentionSeconds),
    VisibilityTimeout: String(ordered.visibilityTimeoutSeconds),
  });
  return { ...standard, ordered: { queueUrl: orderedUrl, queueArn: await arnOf(client, orderedUrl) } };
}

async function createQueuePair(
  client: SQSClient,
  names: { queue: string; dlq: string },
  settings: QueueSettings,
): Promise<QueuePair> {
  const dlqUrl = await createQueue(client, names.dlq, retention(settings.retentionSeconds?.deadLetterQueue));
  const dlqArn = await arnOf(client, dlqUrl);
  const queueUrl = await createQueue(client, names.queue, {
    ...retention(settings.retentionSeconds?.queue),
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
  });
  return { queueUrl, queueArn: await arnOf(client, queueUrl), dlqUrl, dlqArn };
}

async function createQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return required(created.QueueUrl, `URL of queue ${name}`);
}

async function arnOf(client: SQSClient, queueUrl: string): Promise<string> {
  const output = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return required(output.Attributes?.QueueArn, `ARN of queue ${queueUrl}`);
}

function retention(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { MessageRetentionPeriod: String(seconds) };
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new Error(`SQS did not return the ${what}`);
  return value;
}
