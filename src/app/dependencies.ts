import type { RequestDefaults } from '../domain/request-schema.js';
import type { Random, RetryPolicy } from '../domain/retry-policy.js';
import type { Clock } from '../ports/clock.js';
import type { DeliveryQueue } from '../ports/delivery-queue.js';
import type { HttpSender } from '../ports/http-sender.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { NotificationStore } from '../ports/notification-store.js';
import type { RecoveryStore } from '../ports/recovery-store.js';
import type { SigningSecrets } from '../ports/signing-secrets.js';
import type { DestinationCensus } from './destination-census.js';
import type { DestinationGate } from './destination-gate.js';
import type { DestinationSigningKeys } from './destination-signing-keys.js';
import type { SecretsSubkeys } from './secrets-subkeys.js';

/** Everything the use cases need from the outside, assembled once by an entry point. */
export interface AppDependencies {
  store: NotificationStore;
  queue: DeliveryQueue;
  /** Per-destination admission and health (destination-gate.ts), over the backend's destination store. */
  destinations: DestinationGate;
  /** The destinations counted by state for operators, a few seconds old at most (destination-census.ts). */
  destinationCensus: DestinationCensus;
  /** Bulk recovery jobs (recoveries.ts). */
  recoveries: RecoveryStore;
  sender: HttpSender;
  clock: Clock;
  random: Random;
  logger: Logger;
  metrics: Metrics;
  /** HERALD_SIGNING_SECRETS, what each destination's derived key comes from. */
  signingSecrets: SigningSecrets;
  /** The keys each destination signs with (its own, else derived), over the destination secret store. */
  signingKeys: DestinationSigningKeys;
  /** The subkeys of HERALD_SECRETS_KEY: sealing secrets at rest, deriving ids from idempotency keys. */
  secretsSubkeys: SecretsSubkeys;
  defaults: RequestDefaults;
  retryPolicy: RetryPolicy;
  /** How long a claim lasts before another worker may deliver the same notification again. */
  leaseMs: number;
  /**
   * How long a message-fed worker holds a paused destination's message before it looks again
   * (deliver-notification.ts, default PAUSED_RECHECK_MS); start:aws-local may shorten it.
   */
  pausedRecheckMs?: number;
}
