import type { DeliveryQueue } from '../ports/delivery-queue.js';
import type { NotificationStore } from '../ports/notification-store.js';

/** A store and a queue opened together, closed together. */
export interface Backend {
  store: NotificationStore;
  queue: DeliveryQueue;
  close(): Promise<void>;
}
