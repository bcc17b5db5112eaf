import type { DeliveryQueue, QueueDepth, SendOptions } from '../../ports/delivery-queue.js';
import type { SqsQueue } from './sqs-queue.js';

/**
 * The delivery queue of AWS mode: a standard queue for notifications without an ordering key, and a
 * FIFO queue, one message group per key, for those with one (docs/design.md, "Ordered delivery").
 */
export class RoutedQueue implements DeliveryQueue {
  constructor(
    private readonly standard: SqsQueue,
    /** Absent where no ordered queue is configured: ordered notifications are then refused at ingest. */
    private readonly ordered: SqsQueue | undefined,
  ) {}

  get ordersKeys(): boolean {
    return this.ordered !== undefined;
  }

  async send(notificationId: string, options: SendOptions = {}): Promise<void> {
    if (options.orderingKey == null) return this.standard.send(notificationId, options);
    if (this.ordered === undefined) throw new Error('an ordered notification, and no ordered queue is configured');
    return this.ordered.send(notificationId, options);
  }

  async approximateDepth(): Promise<QueueDepth> {
    const depths = await Promise.all([this.standard, this.ordered].flatMap((q) => (q ? [q.approximateDepth()] : [])));
    return depths.reduce((sum, d) => ({
      visible: sum.visible + d.visible,
      delayed: sum.delayed + d.delayed,
      inFlight: sum.inFlight + d.inFlight,
    }));
  }
}
