import type { Node } from 'constructs';
import { MIN_TIMEOUT_MS_OF_HEALTH } from '../../src/domain/circuit-breaker.js';
import { LIMITS } from '../../src/domain/request-schema.js';
import { MAX_SIGNING_ROTATION_HOURS } from '../../src/domain/signature.js';

/**
 * Everything an operator may tune per deployment, with the defaults of README, Configuration. Each value can be
 * overridden with `cdk deploy -c <key>=<value>` (or the `context` block of cdk.json); see
 * docs/operations.md.
 */
export interface HeraldSettings {
  /** `HERALD_MAX_ATTEMPTS`: the default `maxAttempts` of a notification. */
  readonly maxAttempts: number;
  /** `HERALD_RETRY_BASE_DELAY_MS` / `HERALD_RETRY_MAX_DELAY_MS`: backoff base and cap. */
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** `HERALD_ATTEMPT_TIMEOUT_MS`: default per-attempt HTTP timeout. */
  readonly attemptTimeoutMs: number;
  /**
   * `HERALD_SIGNING_ROTATION_HOURS`: how long a destination's replaced keys keep signing beside a new
   * one; 0 cuts a leaked key off at its rotation.
   */
  readonly signingRotationHours: number;
  /** Cap on concurrent worker invocations, so a vendor outage cannot take the account's whole Lambda pool. */
  readonly workerMaxConcurrency: number;
  /** Stage-wide API Gateway throttling (steady requests per second, burst). */
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  /** API 5xx responses within five minutes that raise the ingest alarm. */
  readonly api5xxAlarmThreshold: number;
  /** Optional e-mail address subscribed to the alarm topic. */
  readonly alarmEmail?: string | undefined;
}

/**
 * The longest per-attempt HTTP timeout a request may ask for (the request schema's limit, so the two
 * cannot drift). The worker's Lambda timeout is sized from it.
 */
export const MAX_ATTEMPT_TIMEOUT_MS = LIMITS.maxTimeoutMs;

export const DEFAULT_SETTINGS: HeraldSettings = {
  maxAttempts: 8,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 3_600_000,
  attemptTimeoutMs: 10_000,
  signingRotationHours: 24,
  workerMaxConcurrency: 20,
  apiRateLimit: 200,
  apiBurstLimit: 400,
  api5xxAlarmThreshold: 5,
};

const integerKeys = [
  'maxAttempts',
  'retryBaseDelayMs',
  'retryMaxDelayMs',
  'attemptTimeoutMs',
  'signingRotationHours',
  'workerMaxConcurrency',
  'apiRateLimit',
  'apiBurstLimit',
  'api5xxAlarmThreshold',
] as const;

type IntegerKey = (typeof integerKeys)[number];

/** Settings that may be 0; every other one is at least 1. */
const ZERO_ALLOWED: ReadonlySet<IntegerKey> = new Set(['signingRotationHours']);

function readInteger(node: Node, key: IntegerKey): number {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined) return DEFAULT_SETTINGS[key];
  const value = typeof raw === 'string' ? Number(raw) : raw;
  const least = ZERO_ALLOWED.has(key) ? 0 : 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < least) {
    const kind = least === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new Error(`context '${key}' must be ${kind}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Reads the settings from CDK context, failing synth with a message naming the bad key. */
export function settingsFromContext(node: Node): HeraldSettings {
  const values = Object.fromEntries(integerKeys.map((key) => [key, readInteger(node, key)])) as Record<
    IntegerKey,
    number
  >;
  const alarmEmail: unknown = node.tryGetContext('alarmEmail');
  if (alarmEmail !== undefined && (typeof alarmEmail !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(alarmEmail))) {
    throw new Error(`context 'alarmEmail' must be an e-mail address, got ${JSON.stringify(alarmEmail)}`);
  }
  return validateSettings({ ...values, alarmEmail });
}

export function validateSettings(settings: HeraldSettings): HeraldSettings {
  // The handlers refuse to start outside these bounds (src/config.ts); fail at synth instead of at runtime.
  if (settings.attemptTimeoutMs < MIN_TIMEOUT_MS_OF_HEALTH || settings.attemptTimeoutMs > MAX_ATTEMPT_TIMEOUT_MS) {
    throw new Error(`attemptTimeoutMs must be between ${MIN_TIMEOUT_MS_OF_HEALTH} and ${MAX_ATTEMPT_TIMEOUT_MS}`);
  }
  if (settings.signingRotationHours > MAX_SIGNING_ROTATION_HOURS) {
    throw new Error(`signingRotationHours must be between 0 and ${MAX_SIGNING_ROTATION_HOURS}`);
  }
  if (settings.maxAttempts > LIMITS.maxAttempts) {
    throw new Error(`maxAttempts must be at most ${LIMITS.maxAttempts}`);
  }
  if (settings.retryBaseDelayMs > settings.retryMaxDelayMs) {
    throw new Error('retryBaseDelayMs must not exceed retryMaxDelayMs');
  }
  // The SQS event source accepts a maximum concurrency between 2 and 1000.
  if (settings.workerMaxConcurrency < 2 || settings.workerMaxConcurrency > 1000) {
    throw new Error('workerMaxConcurrency must be between 2 and 1000');
  }
  if (settings.apiBurstLimit < settings.apiRateLimit) {
    throw new Error('apiBurstLimit must be at least apiRateLimit');
  }
  return settings;
}
