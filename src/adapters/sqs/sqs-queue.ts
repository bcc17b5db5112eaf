import { createHash, randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SendMessageCommandInput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { BackendUnavailableError } from '../../domain/errors.js';
import type {
  DeliveryQueue,
  MessageSource,
  QueueDepth,
  QueueMessage,
  ReceiveOptions,
  SendOptions,
} from '../../ports/delivery-queue.js';

/** SQS limits: delays up to 15 minutes, 10 messages per receive, long polls up to 20 s, visibility up to 12 h. */
export const SQS_MAX_DELAY_SECONDS = 900;
const SQS_MAX_BATCH = 10;
const SQS_MAX_WAIT_SECONDS = 20;
const SQS_MAX_VISIBILITY_SECONDS = 12 * 3600;
/**
 * SQS counts its 12 hours from the receive, so a postpone of the whole 12 h right after one is
 * refused; this leaves a receive's processing time (minutes at most) of room.
 */
const MAX_POSTPONE_SECONDS = SQS_MAX_VISIBILITY_SECONDS - 15 * 60;
/** The message attribute naming the notification's destination (a worker holds it back without a read). */
export const DESTINATION_ATTRIBUTE = 'destination';
/** The message attribute counting the sweeper's redrives of a dead-lettered notification. */
const REDRIVES_ATTRIBUTE = 'redrives';
/** The message attribute saying since when (epoch ms) the destination has held the message back. */
export const HELD_SINCE_ATTRIBUTE = 'heldSince';
/** Head room over a long poll's wait before the HTTP request counts as hung. */
const LONG_POLL_GRACE_MS = 5_000;

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /**
   * A FIFO queue, where each ordering key is a message group: SQS hands out a group's messages one at
   * a time, in the order they were sent, each only once the one before it is deleted.
   */
  ordered?: boolean;
}

/**
 * The message group of an ordering key. SQS allows 128 characters of a narrower alphabet than a key
 * may use, so the group is a digest of the key: distinct keys share a group (and a line) only on a
 * SHA-256 collision.
 */
export function messageGroupOf(orderingKey: string): string {
  return createHash('sha256').update(orderingKey).digest('base64url');
}

/**
 * The delivery queue on SQS. A message body is just the notification id; the store holds the state.
 * The `destination` message attribute, when the sender knew it, lets a worker defer a message of a
 * paused or open destination without touching the store.
 *
 * Delays longer than SQS's 15-minute maximum are capped: the message arrives early, the worker sees
 * `nextAttemptAt` still in the future and sends it again with the remaining delay.
 */
export class SqsQueue implements DeliveryQueue, MessageSource {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly ordered: boolean;

  get ordersKeys(): boolean {
    return this.ordered;
  }

  constructor(options: SqsQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.ordered = options.ordered === true;
  }

  async send(
    notificationId: string,
    { delayMs = 0, destination, orderingKey, redrives, heldSince }: SendOptions = {},
  ): Promise<void> {
    if (this.ordered !== (orderingKey != null)) {
      throw new Error(`${this.ordered ? 'an ordered' : 'a standard'} queue was sent a message of the other kind`);
    }
    const messageAttributes: NonNullable<SendMessageCommandInput['MessageAttributes']> = {};
    if (destination !== undefined)
      messageAttributes[DESTINATION_ATTRIBUTE] = { DataType: 'String', StringValue: destination };
    if (redrives) messageAttributes[REDRIVES_ATTRIBUTE] = { DataType: 'Number', StringValue: String(redrives) };
    if (heldSince !== undefined) {
      messageAttributes[HELD_SINCE_ATTRIBUTE] = { DataType: 'Number', StringValue: String(heldSince) };
    }
    const attributes = Object.keys(messageAttributes).length === 0 ? {} : { MessageAttributes: messageAttributes };
    const placement =
      orderingKey != null
        ? // FIFO queues delay no single message: an ordered one is sent due now and postponed once received.
          // A fresh deduplication id, because the sweeper's re-send of a lost message must not be dropped.
          { MessageGroupId: messageGroupOf(orderingKey), MessageDeduplicationId: randomUUID() }
        : { DelaySeconds: Math.min(Math.max(Math.ceil(delayMs / 1000), 0), SQS_MAX_DELAY_SECONDS) };
    await this.call(() =>
      this.client.send(
        new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: notificationId, ...placement, ...attributes }),
      ),
    );
  }

  /** One GetQueueAttributes request; SQS's counts lag by up to a minute or so, by its own account. */
  async approximateDepth(): Promise<QueueDepth> {
    const { Attributes = {} } = await this.call(() =>
      this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesDelayed',
            'ApproximateNumberOfMessagesNotVisible',
          ],
        }),
      ),
    );
    const count = (name: string) => Number(Attributes[name as keyof typeof Attributes] ?? 0);
    return {
      visible: count('ApproximateNumberOfMessages'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
    };
  }

  async receive(options: ReceiveOptions): Promise<QueueMessage[]> {
    const waitTimeSeconds = Math.min(Math.max(Math.ceil(options.waitTimeMs / 1000), 0), SQS_MAX_WAIT_SECONDS);
    const output = await this.call(() =>
      this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(Math.max(Math.floor(options.maxMessages), 1), SQS_MAX_BATCH),
          VisibilityTimeout: visibilitySecondsOf(options.visibilityTimeoutMs),
          WaitTimeSeconds: waitTimeSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          MessageAttributeNames: [DESTINATION_ATTRIBUTE, REDRIVES_ATTRIBUTE, HELD_SINCE_ATTRIBUTE],
        }),
        // The client's request timeout is sized for quick calls; a long poll legitimately waits longer.
        { requestTimeout: waitTimeSeconds * 1000 + LONG_POLL_GRACE_MS },
      ),
    );
    return (output.Messages ?? []).flatMap((message) => toQueueMessage(message, this.ordered));
  }

  async delete(message: QueueMessage): Promise<void> {
    await this.call(() =>
      this.client.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle })),
    );
  }

  /**
   * Capped under SQS's 12 hours from the receive (MAX_POSTPONE_SECONDS): a message postponed longer
   * comes back early and is postponed again.
   */
  async postpone(message: QueueMessage, delayMs: number): Promise<void> {
    await this.call(() =>
      this.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.queueUrl,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: Math.min(visibilitySecondsOf(delayMs), MAX_POSTPONE_SECONDS),
        }),
      ),
    );
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new BackendUnavailableError('sqs', error);
    }
  }
}

function visibilitySecondsOf(ms: number): number {
  return Math.min(Math.max(Math.ceil(ms / 1000), 0), SQS_MAX_VISIBILITY_SECONDS);
}

function toQueueMessage(message: Message, ordered: boolean): QueueMessage[] {
  // Every message this adapter sends has a body and SQS always returns a receipt handle; anything else
  // is not ours and is skipped rather than crashing the batch.
  if (!message.Body || !message.ReceiptHandle) return [];
  const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
  const destination = message.MessageAttributes?.[DESTINATION_ATTRIBUTE]?.StringValue;
  const redrives = Number(message.MessageAttributes?.[REDRIVES_ATTRIBUTE]?.StringValue ?? '0');
  const heldSince = heldSinceOf(message.MessageAttributes?.[HELD_SINCE_ATTRIBUTE]?.StringValue);
  return [
    {
      notificationId: message.Body,
      receiptHandle: message.ReceiptHandle,
      receiveCount: Number.isFinite(receiveCount) && receiveCount > 0 ? receiveCount : 1,
      ...(destination === undefined ? {} : { destination }),
      ...(ordered ? { ordered } : {}),
      ...(Number.isInteger(redrives) && redrives > 0 ? { redrives } : {}),
      ...(heldSince === undefined ? {} : { heldSince }),
    },
  ];
}

/** The `heldSince` attribute's value (epoch ms), or undefined when absent or not a time. */
export function heldSinceOf(value: string | undefined): number | undefined {
  const ms = Number(value);
  return value !== undefined && Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}
