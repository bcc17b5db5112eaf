import { deliverNotification } from '../../app/deliver-notification.js';
import type { AppDependencies } from '../../app/dependencies.js';
import type { MessageSource, QueueMessage } from '../../ports/delivery-queue.js';

export interface WorkerPoolOptions {
  /** Deliveries in flight at once (HERALD_DELIVERY_CONCURRENCY). */
  concurrency: number;
  /** Long-poll wait per receive; also how quickly `stop()` notices when the queue is idle. */
  pollWaitMs?: number;
  /** After a queue failure, wait this long before polling again. */
  errorBackoffMs?: number;
  /**
   * Messages asked for per receive (at most the free slots). 1 for the ordered queue: a receive may
   * return several messages of one key, which must not be attempted side by side.
   */
  messagesPerReceive?: number;
}

/**
 * The in-process worker: keeps up to `concurrency` deliveries in flight, fed by one receive loop.
 * A message is deleted only after its outcome is recorded; on any error it is left alone and the
 * queue hands it out again when its visibility (the lease) runs out. A delivery's slot is freed once
 * its outcome is recorded: the message's delete (or replacement) finishes outside it, so the next
 * delivery need not wait for the queue's bookkeeping.
 */
export class WorkerPool {
  private readonly inFlight = new Set<Promise<void>>();
  /** Deletes and replacements of messages whose outcome is recorded. */
  private readonly finishing = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | undefined;
  private slotFreed: (() => void) | undefined;

  constructor(
    private readonly deps: AppDependencies,
    private readonly queue: MessageSource,
    private readonly options: WorkerPoolOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.receiveLoop();
  }

  /** Stops taking new messages and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.slotFreed?.();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.finishing]);
  }

  get activeDeliveries(): number {
    return this.inFlight.size;
  }

  private async receiveLoop(): Promise<void> {
    const { concurrency, pollWaitMs = 1000, errorBackoffMs = 1000, messagesPerReceive = concurrency } = this.options;
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      if (free === 0) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        continue;
      }
      let messages: QueueMessage[];
      try {
        messages = await this.queue.receive({
          maxMessages: Math.min(free, messagesPerReceive),
          visibilityTimeoutMs: this.deps.leaseMs,
          waitTimeMs: pollWaitMs,
        });
      } catch (error) {
        this.deps.logger.error({ err: error }, 'queue receive failed; backing off');
        await new Promise((resolve) => setTimeout(resolve, errorBackoffMs));
        continue;
      }
      for (const message of messages) this.track(this.handle(message));
    }
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => {
      this.inFlight.delete(delivery);
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    });
  }

  private async handle(message: QueueMessage): Promise<void> {
    try {
      const outcome = await deliverNotification(
        this.deps,
        message.notificationId,
        message.receiveCount,
        message.destination,
        message.heldSince,
      );
      if (outcome.action === 'redeliver') return; // Its lease runs out and the queue hands it out again.
      const finished = this.finish(message, outcome.action === 'retryLater' ? outcome : undefined);
      this.finishing.add(finished);
      void finished.finally(() => this.finishing.delete(finished));
    } catch (error) {
      this.logIncomplete(message, error);
    }
  }

  /**
   * Deletes the message, after sending its replacement when the notification is due again later; an
   * ordered message is postponed instead, so its key's line keeps waiting behind it.
   */
  private async finish(
    message: QueueMessage,
    retry: { delayMs: number; destination?: string; heldSince?: number } | undefined,
  ): Promise<void> {
    try {
      if (retry !== undefined && message.ordered) return await this.queue.postpone(message, retry.delayMs);
      // Send the replacement before deleting: a crash in between leaves a duplicate, never nothing.
      if (retry !== undefined) {
        const { delayMs, destination, heldSince } = retry;
        await this.deps.queue.send(message.notificationId, { delayMs, destination, heldSince });
      }
      await this.queue.delete(message);
    } catch (error) {
      this.logIncomplete(message, error);
    }
  }

  private logIncomplete(message: QueueMessage, error: unknown): void {
    this.deps.logger.error(
      { err: error, notificationId: message.notificationId, receiveCount: message.receiveCount },
      'delivery not completed; the message will be redelivered',
    );
  }
}
