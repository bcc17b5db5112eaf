import * as z from 'zod';
import { CALLER_NAME, DEFAULT_CALLER, ROLES, type Role } from './domain/caller.js';
import { MIN_TIMEOUT_MS_OF_HEALTH } from './domain/circuit-breaker.js';
import { LIMITS } from './domain/request-schema.js';
import { SECRETS_KEY_BYTES } from './domain/secret-box.js';
import { MAX_SIGNING_ROTATION_HOURS, signingSecretProblem, splitSecretList } from './domain/signature.js';

/**
 * The one typed configuration (README, Configuration), read once at start-up from the environment. A bad value
 * stops the process with a message naming the variable; nothing falls back silently.
 */

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Variables whose values are never quoted in an error: they end up in terminals and logs. */
const SECRET_VARIABLES = new Set(['HERALD_API_KEYS', 'HERALD_SIGNING_SECRETS', 'HERALD_SECRETS_KEY']);

/** HERALD_SECRETS_KEY: exactly 32 bytes in standard base64 (`openssl rand -base64 32`). */
const secretsKey = optionalText.refine(
  (text) =>
    text === undefined ||
    (/^[A-Za-z0-9+/]+={0,2}$/.test(text) &&
      text.length % 4 === 0 &&
      Buffer.from(text, 'base64').length === SECRETS_KEY_BYTES),
  { message: `must be ${SECRETS_KEY_BYTES} bytes in standard base64 (openssl rand -base64 ${SECRETS_KEY_BYTES})` },
);

const signingSecrets = z
  .string()
  .default('')
  .transform(splitSecretList)
  .superRefine((secrets, ctx) => {
    secrets.forEach((secret, index) => {
      const problem = signingSecretProblem(secret);
      // Named by position: the message must not quote the secret.
      if (problem) ctx.addIssue({ code: 'custom', message: `entry ${index + 1} of ${secrets.length} ${problem}` });
    });
  });

/** One HERALD_API_KEYS entry: a key and the caller it names. */
export interface ApiKeyEntry {
  name: string;
  role: Role;
  key: string;
}

/** A key is one Bearer token: anything but whitespace (and the comma that separates entries). */
const API_KEY = /^\S+$/;

/**
 * `key` (the full-access caller `default`) or `name:role:key`, comma-separated. Each problem names
 * its entry by position: the message must not quote a key.
 */
const apiKeys = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const entries = v
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const parsed: ApiKeyEntry[] = [];
    const positionOfKey = new Map<string, number>();
    entries.forEach((entry, index) => {
      const at = `entry ${index + 1} of ${entries.length}`;
      const result = parseApiKeyEntry(entry);
      if (typeof result === 'string') {
        ctx.addIssue({ code: 'custom', message: `${at} ${result}` });
        return;
      }
      const earlier = positionOfKey.get(result.key);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${at} repeats the key of entry ${earlier + 1}; each key names one caller`,
        });
        return;
      }
      positionOfKey.set(result.key, index);
      parsed.push(result);
    });
    return parsed;
  });

/** An entry as a key and its caller, or what is wrong with it (never quoting it). */
function parseApiKeyEntry(entry: string): ApiKeyEntry | string {
  const malformed = 'must be a key, or name:role:key (a key holds no spaces)';
  const first = entry.indexOf(':');
  if (first === -1) return API_KEY.test(entry) ? { ...DEFAULT_CALLER, key: entry } : malformed;
  const second = entry.indexOf(':', first + 1);
  if (second === -1) return malformed;
  const name = entry.slice(0, first);
  const role = entry.slice(first + 1, second);
  const key = entry.slice(second + 1);
  if (!API_KEY.test(key)) return malformed;
  if (!CALLER_NAME.test(name)) return 'has an invalid name; names are 1 to 64 of A-Z a-z 0-9 . _ -';
  // Not quoted either: in a bare key that holds colons, the "role" is part of the key.
  if (!(ROLES as readonly string[]).includes(role)) return `has an unknown role; roles are ${ROLES.join(', ')}`;
  return { name, role: role as Role, key };
}

const environment = z
  .object({
    HERALD_HOST: z.string().trim().min(1).default('127.0.0.1'),
    HERALD_PORT: integer(0, 65_535).default(3000),
    HERALD_DB_PATH: z.string().trim().min(1).default('./data/herald.db'),
    HERALD_DB_MAX_PAGE_COUNT: integer(1, 2_147_483_647).optional(),
    HERALD_DB_FAIL_SYNC_WHILE_EXISTS: z.string().trim().min(1).optional(),
    HERALD_API_KEYS: apiKeys,
    HERALD_ALLOW_PRIVATE_TARGETS: boolean.default(false),
    HERALD_MAX_ATTEMPTS: integer(1, LIMITS.maxAttempts).default(8),
    HERALD_RETRY_BASE_DELAY_MS: integer(0, 86_400_000).default(1000),
    HERALD_RETRY_MAX_DELAY_MS: integer(0, 86_400_000).default(3_600_000),
    HERALD_DELIVERY_CONCURRENCY: integer(1, 10_000).default(64),
    HERALD_DESTINATION_CONCURRENCY: integer(1, 10_000).optional(),
    HERALD_BREAKER_FAILURES: integer(1, 1000).default(5),
    HERALD_BREAKER_COOLDOWN_MS: integer(100, 86_400_000).default(30_000),
    // At least the timeout whose failures count against a breaker: a caller may go below it, the default not.
    HERALD_ATTEMPT_TIMEOUT_MS: integer(MIN_TIMEOUT_MS_OF_HEALTH, LIMITS.maxTimeoutMs).default(10_000),
    HERALD_BACKEND: z.enum(['sqlite', 'aws'], { error: 'must be "sqlite" or "aws"' }).default('sqlite'),
    HERALD_TABLE_NAME: optionalText,
    HERALD_QUEUE_URL: optionalText,
    HERALD_ORDERED_QUEUE_URL: optionalText,
    HERALD_DLQ_URL: optionalText,
    HERALD_BODY_BUCKET: optionalText,
    HERALD_SIGNING_SECRETS: signingSecrets,
    HERALD_SIGNING_SECRET_ARN: optionalText,
    HERALD_SIGNING_ROTATION_HOURS: integer(0, MAX_SIGNING_ROTATION_HOURS).default(24),
    HERALD_SECRETS_KEY: secretsKey,
    HERALD_SECRETS_KEY_ARN: optionalText,
    HERALD_RETENTION_DAYS: integer(1, 36_500).default(30),
    HERALD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    AWS_REGION: optionalText,
    AWS_ENDPOINT_URL_DYNAMODB: optionalText,
    AWS_ENDPOINT_URL_SQS: optionalText,
    AWS_ENDPOINT_URL_S3: optionalText,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: optionalText,
  })
  .superRefine((env, ctx) => {
    if (env.HERALD_RETRY_BASE_DELAY_MS > env.HERALD_RETRY_MAX_DELAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_RETRY_BASE_DELAY_MS'],
        message: 'must not exceed HERALD_RETRY_MAX_DELAY_MS',
      });
    }
    if (env.HERALD_API_KEYS.length === 0 && !LOOPBACK_HOSTS.has(env.HERALD_HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_HOST'],
        message: 'binding beyond loopback needs HERALD_API_KEYS, or anyone on the network could send through Herald',
      });
    }
    if (env.HERALD_SIGNING_SECRET_ARN && env.HERALD_SIGNING_SECRETS.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_SIGNING_SECRET_ARN'],
        message: 'set HERALD_SIGNING_SECRETS or HERALD_SIGNING_SECRET_ARN, not both',
      });
    }
    if (env.HERALD_SECRETS_KEY && env.HERALD_SECRETS_KEY_ARN) {
      ctx.addIssue({
        code: 'custom',
        path: ['HERALD_SECRETS_KEY_ARN'],
        message: 'set HERALD_SECRETS_KEY or HERALD_SECRETS_KEY_ARN, not both',
      });
    }
    if (env.HERALD_BACKEND === 'aws') {
      for (const name of ['HERALD_TABLE_NAME', 'HERALD_QUEUE_URL', 'HERALD_BODY_BUCKET'] as const) {
        if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when HERALD_BACKEND=aws' });
      }
    }
  });

export type Environment = z.infer<typeof environment>;

export interface HeraldConfig {
  host: string;
  port: number;
  dbPath: string;
  /**
   * HERALD_DB_MAX_PAGE_COUNT, for tests only: caps the SQLite file at this many pages (at least its
   * size at start-up), so a test can play a full disk (SQLITE_FULL) without filling one.
   */
  dbMaxPageCount?: number;
  /**
   * HERALD_DB_FAIL_SYNC_WHILE_EXISTS, for tests only: while a file exists at this path, every fdatasync of
   * the SQLite WAL fails with EIO, so a test can play a failing disk (the process then exits).
   */
  dbFailSyncWhileExists?: string;
  /** HERALD_API_KEYS: each key with the caller it names; empty turns authentication off (loopback only). */
  apiKeys: ApiKeyEntry[];
  allowPrivateTargets: boolean;
  maxAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  deliveryConcurrency: number;
  /** Deliveries in flight per destination per process (HERALD_DESTINATION_CONCURRENCY). */
  destinationConcurrency: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  attemptTimeoutMs: number;
  backend: 'sqlite' | 'aws';
  logLevel: Environment['HERALD_LOG_LEVEL'];
  /** Final notifications created longer ago than this are purged (single process; DynamoDB's TTL is 30 days). */
  retentionDays: number;
  /** `whsec_…` secrets, newest first; empty when signing is off or the secrets are in Secrets Manager. */
  signingSecrets: string[];
  /** A Secrets Manager secret holding the signing secrets instead (the CDK stack sets it). */
  signingSecretArn?: string;
  /** How long a destination's previous own signing secret keeps signing beside a new one. */
  signingRotationHours: number;
  /**
   * HERALD_SECRETS_KEY, 32 bytes in base64: what secrets at rest are sealed under. Absent: the key
   * file beside the database (single process) or `secretsKeyArn` (the CDK stack).
   */
  secretsKey?: string;
  /** A Secrets Manager secret whose value the secrets key is made from (the CDK stack sets it). */
  secretsKeyArn?: string;
  aws: {
    tableName?: string;
    queueUrl?: string;
    /** The FIFO queue of notifications with an ordering key; without it, those are refused. */
    orderedQueueUrl?: string;
    /**
     * The delivery queue's dead-letter queue: the sweeper redrives its messages (redrive-dead-letters.ts).
     * The ordered queue has none (deployment.ts, ORDERED_QUEUE).
     */
    dlqUrl?: string;
    /** The S3 bucket holding bodies too large to keep in the table cheaply (the CDK stack's). */
    bodyBucket?: string;
    region?: string;
    dynamoDbEndpoint?: string;
    sqsEndpoint?: string;
    s3Endpoint?: string;
    secretsManagerEndpoint?: string;
  };
}

/**
 * Three eighths of the process's delivery slots (24 of the default 64): a destination that stops
 * answering holds at most that many while its breaker counts to open, and most of the slots (40)
 * stay for every other destination, one dead destination or even a second. A quarter (16) cost a
 * single busy destination about 15% of its delivered/s in the benchmark (every slot also waits for
 * its claim's commit); three eighths measured within the noise of half.
 */
export function defaultDestinationConcurrency(deliveryConcurrency: number): number {
  return Math.max(1, Math.floor((deliveryConcurrency * 3) / 8));
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const value = env[name];
      const shown = value === undefined || SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(value)})`;
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    host: e.HERALD_HOST,
    port: e.HERALD_PORT,
    dbPath: e.HERALD_DB_PATH,
    dbMaxPageCount: e.HERALD_DB_MAX_PAGE_COUNT,
    dbFailSyncWhileExists: e.HERALD_DB_FAIL_SYNC_WHILE_EXISTS,
    apiKeys: e.HERALD_API_KEYS,
    allowPrivateTargets: e.HERALD_ALLOW_PRIVATE_TARGETS,
    maxAttempts: e.HERALD_MAX_ATTEMPTS,
    retryBaseDelayMs: e.HERALD_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: e.HERALD_RETRY_MAX_DELAY_MS,
    deliveryConcurrency: e.HERALD_DELIVERY_CONCURRENCY,
    destinationConcurrency:
      e.HERALD_DESTINATION_CONCURRENCY ?? defaultDestinationConcurrency(e.HERALD_DELIVERY_CONCURRENCY),
    breakerFailures: e.HERALD_BREAKER_FAILURES,
    breakerCooldownMs: e.HERALD_BREAKER_COOLDOWN_MS,
    attemptTimeoutMs: e.HERALD_ATTEMPT_TIMEOUT_MS,
    backend: e.HERALD_BACKEND,
    logLevel: e.HERALD_LOG_LEVEL,
    retentionDays: e.HERALD_RETENTION_DAYS,
    signingSecrets: e.HERALD_SIGNING_SECRETS,
    signingSecretArn: e.HERALD_SIGNING_SECRET_ARN,
    signingRotationHours: e.HERALD_SIGNING_ROTATION_HOURS,
    secretsKey: e.HERALD_SECRETS_KEY,
    secretsKeyArn: e.HERALD_SECRETS_KEY_ARN,
    aws: {
      tableName: e.HERALD_TABLE_NAME,
      queueUrl: e.HERALD_QUEUE_URL,
      orderedQueueUrl: e.HERALD_ORDERED_QUEUE_URL,
      dlqUrl: e.HERALD_DLQ_URL,
      bodyBucket: e.HERALD_BODY_BUCKET,
      region: e.AWS_REGION,
      dynamoDbEndpoint: e.AWS_ENDPOINT_URL_DYNAMODB,
      sqsEndpoint: e.AWS_ENDPOINT_URL_SQS,
      s3Endpoint: e.AWS_ENDPOINT_URL_S3,
      secretsManagerEndpoint: e.AWS_ENDPOINT_URL_SECRETS_MANAGER,
    },
  };
}
