import type { AppDependencies } from '../app/dependencies.js';
import { DestinationCensus } from '../app/destination-census.js';
import { DestinationGate } from '../app/destination-gate.js';
import { DestinationSigningKeys } from '../app/destination-signing-keys.js';
import { SecretsSubkeys } from '../app/secrets-subkeys.js';
import type { HeraldConfig } from '../config.js';
import { MAX_COOLDOWN_MS } from '../domain/circuit-breaker.js';
import { LIMITS } from '../domain/request-schema.js';
import { systemClock } from '../ports/clock.js';
import type { HttpSender } from '../ports/http-sender.js';
import type { Logger } from '../ports/logger.js';
import type { Metrics } from '../ports/metrics.js';
import type { SecretsKey } from '../ports/secrets-key.js';
import type { SigningSecrets } from '../ports/signing-secrets.js';
import type { Backend } from './backend.js';

/**
 * A claim outlives the longest allowed attempt by this much before another worker may take over.
 * It is also the node worker's visibility timeout, so a message and its claim lapse together.
 */
const LEASE_GRACE_MS = 30_000;

/** The use cases' dependencies from the configuration, the same in every entry point. */
export function buildAppDependencies(
  config: HeraldConfig,
  parts: {
    backend: Backend;
    sender: HttpSender;
    logger: Logger;
    metrics: Metrics;
    signingSecrets: SigningSecrets;
    secretsKey: SecretsKey;
  },
): AppDependencies {
  const leaseMs = LIMITS.maxTimeoutMs + LEASE_GRACE_MS;
  const destinations = new DestinationGate(
    parts.backend.destinations,
    {
      concurrency: config.destinationConcurrency,
      breaker: {
        failureThreshold: config.breakerFailures,
        cooldownMs: config.breakerCooldownMs,
        maxCooldownMs: MAX_COOLDOWN_MS,
      },
      retryMaxDelayMs: config.retryMaxDelayMs,
      cacheMs: parts.backend.destinationCacheMs,
      probeLeaseMs: leaseMs,
    },
    systemClock,
    parts.logger,
  );
  const secretsSubkeys = new SecretsSubkeys(parts.secretsKey);
  const signingKeys = new DestinationSigningKeys({
    store: parts.backend.destinationSecrets,
    configured: parts.signingSecrets,
    subkeys: secretsSubkeys,
    clock: systemClock,
    rotationMs: config.signingRotationHours * 3_600_000,
    cacheMs: parts.backend.destinationSecretsCacheMs,
  });
  return {
    store: parts.backend.store,
    queue: parts.backend.queue,
    destinations,
    destinationCensus: new DestinationCensus(
      (limit, cursor) => parts.backend.destinations.list(limit, cursor),
      systemClock,
    ),
    recoveries: parts.backend.recoveries,
    sender: parts.sender,
    clock: systemClock,
    random: Math.random,
    logger: parts.logger,
    metrics: parts.metrics,
    signingSecrets: parts.signingSecrets,
    signingKeys,
    secretsSubkeys,
    defaults: { maxAttempts: config.maxAttempts, timeoutMs: config.attemptTimeoutMs },
    retryPolicy: { baseDelayMs: config.retryBaseDelayMs, maxDelayMs: config.retryMaxDelayMs },
    leaseMs,
  };
}
