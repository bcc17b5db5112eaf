/** A message naming one notification to deliver. The store, not the message, holds the state. */
export interface QueueMessage {
  notificationId: string;
  /** Opaque handle to delete this receipt of the message. */
  receiptHandle: string;
  /** How many times this message has been received, this receipt included (1 on first delivery). */
  receiveCount: number;
}

export interface ReceiveOptions {
  maxMessages: number;
  /** The message is hidden from other receivers this long; not deleted by then, it comes back. */
  visibilityTimeoutMs: number;
  /** Wait up to this long for a message when none is available (long polling). */
  waitTimeMs: number;
}

/**
 * At-least-once queue of notification ids. A message not deleted within its visibility timeout is
 * delivered again; adapters with a dead-letter queue move it there after too many receives.
 * Backend failures surface as BackendUnavailableError.
 */
export interface DeliveryQueue {
  /** Makes a message for `notificationId` visible after `delayMs` (0: now). */
  send(notificationId: string, delayMs?: number): Promise<void>;
  receive(options: ReceiveOptions): Promise<QueueMessage[]>;
  delete(message: QueueMessage): Promise<void>;
}
