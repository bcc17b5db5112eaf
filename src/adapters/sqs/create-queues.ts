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

export interface HeraldQueues extends QueuePair {
  /** The FIFO pair of notifications with an ordering key, when asked for. */
  ordered?: QueuePair;
}

/**
 * Creates the dead-letter queue and the delivery queue redriving to it, as the CDK stack defines them,
 * and with `ordered` settings the FIFO pair beside them. For local engines and tests; in AWS the
 * stack owns the queues. `prefix` keeps names unique per test.
 */
export async function createHeraldQueues(
  client: SQSClient,
  prefix: string,
  settings: QueueSettings,
  ordered?: QueueSettings,
): Promise<HeraldQueues> {
  const standard = await createQueuePair(client, { queue: `${prefix}-delivery`, dlq: `${prefix}-dlq` }, settings);
  if (ordered === undefined) return standard;
  const names = { queue: `${prefix}-ordered.fifo`, dlq: `${prefix}-ordered-dlq.fifo` };
  return { ...standard, ordered: await createQueuePair(client, names, ordered, { FifoQueue: 'true' }) };
}

async function createQueuePair(
  client: SQSClient,
  names: { queue: string; dlq: string },
  settings: QueueSettings,
  kind: Record<string, string> = {},
): Promise<QueuePair> {
  const dlqUrl = await createQueue(client, names.dlq, {
    ...kind,
    ...retention(settings.retentionSeconds?.deadLetterQueue),
  });
  const dlqArn = await arnOf(client, dlqUrl);
  const queueUrl = await createQueue(client, names.queue, {
    ...kind,
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
