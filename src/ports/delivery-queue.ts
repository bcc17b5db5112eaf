/** A message naming one notification to deliver. The store, not the message, holds the state. */
export interface QueueMessage {
  notificationId: string;
  /** Opaque handle to delete this receipt of the message. */
  receiptHandle: string;
  /** How many times this message has been received, this receipt included (1 on first delivery). */
  receiveCount: number;
  /** The notification's destination, when the sender named it. */
  destination?: string;
  /**
   * From the ordered queue: the next message of its ordering key waits until this one is deleted, so
   * a notification due later keeps it, postponed (MessageSource.postpone), rather than being re-sent.
   */
  ordered?: boolean;
  /** How many times the sweeper sent this notification back from a dead-letter queue (absent: never). */
  redrives?: number;
  /** Since when (epoch ms) its destination has held this notification back, carried by each re-send. */
  heldSince?: number;
}

/** What travels with a message besides the notification id. */
export interface SendOptions {
  /** Visible after this long (0 or absent: now). Not for ordered messages: they are postponed once received. */
  delayMs?: number;
  /** The notification's destination, so a worker can hold the message back without reading the store. */
  destination?: string;
  /** Sent to the ordered queue, in this key's line, when set. */
  orderingKey?: string | null;
  /** The sweeper's count of redrives from a dead-letter queue (redrive-dead-letters.ts). */
  redrives?: number;
  /** QueueMessage.heldSince, for the re-send of a message held back. */
  heldSince?: number;
}

export interface ReceiveOptions {
  maxMessages: number;
  /** The message is hidden from other receivers this long; not deleted by then, it comes back. */
  visibilityTimeoutMs: number;
  /** Wait up to this long for a message when none is available (long polling). */
  waitTimeMs: number;
}

/**
 * Where the use cases hand a notification to the workers. On AWS an at-least-once queue of
 * notification ids; in the single process the store is the queue and a send only wakes the worker.
 * Backend failures surface as BackendUnavailableError.
 */
export interface DeliveryQueue {
  /** Makes a message for `notificationId` visible, after `options.delayMs` if given. */
  send(notificationId: string, options?: SendOptions): Promise<void>;

  /**
   * False where a notification with an ordering key cannot be sent (AWS mode without its ordered
   * queue): ingest refuses those. Absent: it can (in the single process the store keeps each line).
   */
  readonly ordersKeys?: boolean;

  /**
   * The queue's own approximate message counts, where it keeps any (SQS does; the single process's
   * store-as-queue does not): for operators' statistics when the store cannot count.
   */
  approximateDepth?(): Promise<QueueDepth>;
}

/** Messages by their state in the queue, approximate as the queue reports them. */
export interface QueueDepth {
  /** Receivable now. */
  visible: number;
  /** Sent with a delay (a retry's backoff, a held-back destination) not yet over. */
  delayed: number;
  /** Received and not yet deleted: attempts under way. */
  inFlight: number;
}

/**
 * The receiving side of a message queue, for a queue-fed worker. A message not deleted within its
 * visibility timeout is delivered again; adapters with a dead-letter queue move it there after too
 * many receives.
 */
export interface MessageSource {
  receive(options: ReceiveOptions): Promise<QueueMessage[]>;
  delete(message: QueueMessage): Promise<void>;
  /** Keeps a received message hidden for `delayMs` more, after which it is handed out again. */
  postpone(message: QueueMessage, delayMs: number): Promise<void>;
}
