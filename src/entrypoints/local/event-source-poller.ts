import { setMaxListeners } from 'node:events';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { Logger } from '../../ports/logger.js';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** What happened to one batch: which messages the function reported failed and which were deleted. */
export interface BatchSummary {
  records: { messageId: string; body: string; receiveCount: number }[];
  /** Messages left on the queue to come back after their visibility timeout. */
  failedMessageIds: string[];
  /** Set when the invocation itself failed: every message of the batch counts as failed. */
  error?: unknown;
}

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsHandler;
  /** A fresh Lambda context per invocation. */
  context: () => Context;
  /** Batches in flight at once (the event source mapping's concurrent invocations). */
  concurrency: number;
  /** Messages per batch; the CDK stack's batchSize. Default 10 (SQS's maximum per receive). */
  batchSize?: number;
  /** Long-poll wait, as the event source mapping does. Default 20 s (SQS's maximum). */
  waitTimeSeconds?: number;
  /** After a failed receive, wait this long before polling again. Default 1 s. */
  errorBackoffMs?: number;
  logger: Logger;
  /** Called after each batch is settled (its successes deleted); for tests and diagnostics. */
  onBatch?: (summary: BatchSummary) => void;
}

const SQS_MAX_BATCH = 10;
/** Head room over a long poll's wait before the HTTP request counts as hung. */
const LONG_POLL_GRACE_MS = 5_000;

/**
 * Plays the Lambda SQS event source mapping with ReportBatchItemFailures on: long-polls the queue
 * for batches (with the queue's own visibility timeout), invokes the function with a real-shaped
 * SQSEvent, deletes every message the function did not list in `batchItemFailures`, and leaves the
 * listed ones to reappear after their visibility timeout, so SQS's redrive policy moves a message that
 * keeps failing to the DLQ. An invocation that throws, or answers with an identifier that is not in the
 * batch, fails the whole batch, as on Lambda. Not emulated: the batching window and poller scaling.
 */
export class SqsEventSourcePoller {
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private running = false;

  constructor(private readonly options: SqsEventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const concurrency = Math.max(1, Math.floor(this.options.concurrency));
    // Every loop's long poll listens on the one abort signal.
    setMaxListeners(concurrency + 10, this.abort.signal);
    for (let i = 0; i < concurrency; i++) this.loops.push(this.pollLoop());
  }

  /** Stops receiving and waits for the batches in flight to be invoked and settled. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async pollLoop(): Promise<void> {
    const { logger, errorBackoffMs = 1_000 } = this.options;
    while (this.running) {
      let messages: Message[];
      try {
        messages = await this.receive();
      } catch (error) {
        if (!this.running) break;
        logger.error({ err: error }, 'event source: receive failed; backing off');
        await pause(errorBackoffMs, this.abort.signal);
        continue;
      }
      if (messages.length > 0) await this.invoke(messages);
    }
  }

  private async receive(): Promise<Message[]> {
    const { sqs, queueUrl, batchSize = SQS_MAX_BATCH, waitTimeSeconds = 20 } = this.options;
    const output = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(Math.max(batchSize, 1), SQS_MAX_BATCH),
        WaitTimeSeconds: waitTimeSeconds,
        // No VisibilityTimeout: the event source mapping uses the queue's.
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal, requestTimeout: waitTimeSeconds * 1000 + LONG_POLL_GRACE_MS },
    );
    return (output.Messages ?? []).filter((message) => message.MessageId && message.ReceiptHandle);
  }

  /** One invocation; never throws, whatever the function or the queue does. */
  private async invoke(messages: Message[]): Promise<void> {
    const { handler, context, logger, onBatch } = this.options;
    const event: SQSEvent = {
      Records: messages.map((message) => toSqsRecord(message, this.options.queueArn, this.options.region)),
    };
    const ids = new Set(event.Records.map((record) => record.messageId));
    let failed: Set<string>;
    let invocationError: unknown;
    try {
      const response = await handler(event, context());
      const reported = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      if (reported.some((id) => !ids.has(id))) {
        throw new Error(`batchItemFailures names an identifier not in the batch: ${JSON.stringify(reported)}`);
      }
      failed = new Set(reported);
    } catch (error) {
      invocationError = error;
      failed = ids;
      logger.warn({ err: error, messages: ids.size }, 'event source: invocation failed; the whole batch will return');
    }

    const done = messages.filter((message) => !failed.has(message.MessageId as string));
    if (done.length > 0) await this.deleteMessages(done);
    if (failed.size > 0 && invocationError === undefined) {
      logger.debug({ failed: [...failed] }, 'event source: partial batch failure; failed messages will return');
    }
    try {
      onBatch?.({
        records: event.Records.map((record) => ({
          messageId: record.messageId,
          body: record.body,
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
        })),
        failedMessageIds: [...failed],
        ...(invocationError === undefined ? {} : { error: invocationError }),
      });
    } catch (error) {
      logger.warn({ err: error }, 'event source: onBatch listener failed');
    }
  }

  private async deleteMessages(messages: Message[]): Promise<void> {
    try {
      const output = await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle as string,
          })),
        }),
      );
      if (output.Failed?.length) {
        this.options.logger.warn(
          { failed: output.Failed.map((entry) => entry.Code) },
          'event source: some deletes failed; those messages will be delivered again',
        );
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'event source: delete failed; those messages will be delivered again');
    }
  }
}

/** The record Lambda builds from one received SQS message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const now = String(Date.now());
  return {
    messageId: message.MessageId as string,
    receiptHandle: message.ReceiptHandle as string,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? '123456789012',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
      // A FIFO queue's messages carry these, and Lambda passes them on.
      ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
      ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
      ...(attributes.MessageDeduplicationId ? { MessageDeduplicationId: attributes.MessageDeduplicationId } : {}),
    },
    messageAttributes: toRecordAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function toRecordAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString('base64');
  const converted: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    converted[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map(base64),
    };
  }
  return converted;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
