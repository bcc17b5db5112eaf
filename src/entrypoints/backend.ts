import type { DeliveryQueue, MessageSource } from '../ports/delivery-queue.js';
import type { DestinationSecretStore } from '../ports/destination-secret-store.js';
import type { DestinationStore, PurgeableDestinationStore } from '../ports/destination-store.js';
import type { ClaimableStore, NotificationStore, PurgeableStore } from '../ports/notification-store.js';
import type { RecoveryStore } from '../ports/recovery-store.js';
import type { WakeSignal } from './node/wake-signal.js';

/** A store and a queue opened together, closed together. */
export interface Backend {
  store: NotificationStore;
  queue: DeliveryQueue;
  destinations: DestinationStore;
  recoveries: RecoveryStore;
  /** How long a worker trusts a destination record it read (DestinationSettings.cacheMs). */
  destinationCacheMs: number;
  /** Destinations' sealed secrets (their signing keys), apart from their records. */
  destinationSecrets: DestinationSecretStore;
  /** How long the secrets read for a destination are trusted by another process's deliveries. */
  destinationSecretsCacheMs: number;
  /** The queue's receiving side, where workers are fed by messages (AWS). */
  messages?: MessageSource;
  /** The ordered queue's receiving side (AWS, when configured): one message of a key at a time. */
  orderedMessages?: MessageSource;
  /** The dead-letter queues configured (AWS), whose messages the sweeper sends back for delivery. */
  deadLetters?: MessageSource[];
  /** The store as the queue, where workers claim from it directly (SQLite); `wake` fires when work is due. */
  claimable?: { store: ClaimableStore; wake: WakeSignal };
  /** A store that purges old records itself (SQLite); absent where the backend expires them (TTL). */
  purgeable?: PurgeableStore;
  /** Likewise for idle destination records (SQLite); DynamoDB expires them by TTL. */
  purgeableDestinations?: PurgeableDestinationStore;
  close(): Promise<void>;
}
