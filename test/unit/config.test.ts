import { describe, expect, it } from 'vitest';
import { ConfigError, type HeraldConfig, loadConfig } from '../../src/config.js';

/** The ConfigError message for `env`; fails the test when the environment is accepted. */
function configErrorOf(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('loadConfig', () => {
  it('uses the README, Configuration defaults with an empty environment', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      dbPath: './data/herald.db',
      apiKeys: [],
      allowPrivateTargets: false,
      maxAttempts: 8,
      retryBaseDelayMs: 1000,
      retryMaxDelayMs: 3_600_000,
      deliveryConcurrency: 64,
      destinationConcurrency: 24,
      breakerFailures: 5,
      breakerCooldownMs: 30_000,
      attemptTimeoutMs: 10_000,
      backend: 'sqlite',
      logLevel: 'info',
      retentionDays: 30,
      signingSecrets: [],
      signingSecretArn: undefined,
      signingRotationHours: 24,
      secretsKey: undefined,
      secretsKeyArn: undefined,
      aws: {
        tableName: undefined,
        queueUrl: undefined,
        dlqUrl: undefined,
        bodyBucket: undefined,
        region: undefined,
        dynamoDbEndpoint: undefined,
        sqsEndpoint: undefined,
        s3Endpoint: undefined,
        secretsManagerEndpoint: undefined,
      },
    } satisfies HeraldConfig);
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      HERALD_HOST: '0.0.0.0',
      HERALD_PORT: '8080',
      HERALD_DB_PATH: '/var/lib/herald/herald.db',
      HERALD_API_KEYS: 'k1',
      HERALD_ALLOW_PRIVATE_TARGETS: 'true',
      HERALD_MAX_ATTEMPTS: '25',
      HERALD_RETRY_BASE_DELAY_MS: '500',
      HERALD_RETRY_MAX_DELAY_MS: '60000',
      HERALD_DELIVERY_CONCURRENCY: '8',
      HERALD_DESTINATION_CONCURRENCY: '3',
      HERALD_BREAKER_FAILURES: '2',
      HERALD_BREAKER_COOLDOWN_MS: '5000',
      HERALD_ATTEMPT_TIMEOUT_MS: '2500',
      HERALD_LOG_LEVEL: 'debug',
      HERALD_RETENTION_DAYS: '7',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      dbPath: '/var/lib/herald/herald.db',
      apiKeys: [{ name: 'default', role: 'operate', key: 'k1' }],
      allowPrivateTargets: true,
      maxAttempts: 25,
      retryBaseDelayMs: 500,
      retryMaxDelayMs: 60_000,
      deliveryConcurrency: 8,
      destinationConcurrency: 3,
      breakerFailures: 2,
      breakerCooldownMs: 5000,
      attemptTimeoutMs: 2500,
      logLevel: 'debug',
      retentionDays: 7,
    });
  });

  it('defaults HERALD_DESTINATION_CONCURRENCY to three eighths of HERALD_DELIVERY_CONCURRENCY, at least 1', () => {
    expect(loadConfig({ HERALD_DELIVERY_CONCURRENCY: '100' }).destinationConcurrency).toBe(37);
    expect(loadConfig({ HERALD_DELIVERY_CONCURRENCY: '2' }).destinationConcurrency).toBe(1);
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root', HERALD_PORT: '3001' }).port).toBe(3001);
  });

  it.each([
    ['HERALD_PORT', 'abc'],
    ['HERALD_PORT', '70000'],
    ['HERALD_PORT', '-1'],
    ['HERALD_PORT', '80.5'],
    ['HERALD_BACKEND', 'mysql'],
    ['HERALD_BACKEND', 'memory'],
    ['HERALD_BACKEND', 'SQLite '],
    ['HERALD_ALLOW_PRIVATE_TARGETS', 'maybe'],
    ['HERALD_DESTINATION_CONCURRENCY', '0'],
    ['HERALD_BREAKER_FAILURES', '0'],
    ['HERALD_BREAKER_COOLDOWN_MS', 'soon'],
    ['HERALD_MAX_ATTEMPTS', '0'],
    ['HERALD_MAX_ATTEMPTS', '26'],
    ['HERALD_RETRY_BASE_DELAY_MS', '-1'],
    ['HERALD_DELIVERY_CONCURRENCY', '0'],
    ['HERALD_ATTEMPT_TIMEOUT_MS', '999'],
    ['HERALD_ATTEMPT_TIMEOUT_MS', '60001'],
    ['HERALD_LOG_LEVEL', 'verbose'],
  ])('refuses %s=%s, naming the variable and the value', (name, value) => {
    const message = configErrorOf({ [name]: value });
    expect(message).toContain(name);
    expect(message).toContain(JSON.stringify(value));
  });

  it('never falls back to another backend', () => {
    expect(() => loadConfig({ HERALD_BACKEND: 'mysql' })).toThrow(ConfigError);
    expect(() => loadConfig({ HERALD_BACKEND: 'dynamodb' })).toThrow(/HERALD_BACKEND/);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads HERALD_ALLOW_PRIVATE_TARGETS=%s as %s', (value, expected) => {
    expect(loadConfig({ HERALD_ALLOW_PRIVATE_TARGETS: value }).allowPrivateTargets).toBe(expected);
  });

  it('refuses a base delay above the max delay, naming both', () => {
    const message = configErrorOf({ HERALD_RETRY_BASE_DELAY_MS: '5000', HERALD_RETRY_MAX_DELAY_MS: '1000' });
    expect(message).toContain('HERALD_RETRY_BASE_DELAY_MS');
    expect(message).toContain('HERALD_RETRY_MAX_DELAY_MS');
    expect(loadConfig({ HERALD_RETRY_BASE_DELAY_MS: '1000', HERALD_RETRY_MAX_DELAY_MS: '1000' }).retryMaxDelayMs).toBe(
      1000,
    );
  });

  describe('without API keys', () => {
    it.each(['0.0.0.0', '::', '192.168.1.20', 'herald.internal'])('refuses to bind to %s', (host) => {
      const message = configErrorOf({ HERALD_HOST: host });
      expect(message).toContain('HERALD_HOST');
      expect(message).toContain('HERALD_API_KEYS');
    });

    it('refuses a key list of blanks as no keys at all', () => {
      expect(configErrorOf({ HERALD_HOST: '0.0.0.0', HERALD_API_KEYS: ' , ,' })).toContain('HERALD_API_KEYS');
    });

    it.each(['127.0.0.1', '::1', 'localhost'])('binds to the loopback host %s', (host) => {
      expect(loadConfig({ HERALD_HOST: host }).host).toBe(host);
    });
  });

  it('binds beyond loopback when API keys are set', () => {
    expect(loadConfig({ HERALD_HOST: '0.0.0.0', HERALD_API_KEYS: 'k1' })).toMatchObject({
      host: '0.0.0.0',
      apiKeys: [{ name: 'default', role: 'operate', key: 'k1' }],
    });
  });

  it('splits API keys on commas, trimmed, blanks dropped', () => {
    expect(loadConfig({ HERALD_API_KEYS: ' alpha , beta,,gamma ,' }).apiKeys.map((k) => k.key)).toEqual([
      'alpha',
      'beta',
      'gamma',
    ]);
  });

  describe('HERALD_API_KEYS entries', () => {
    it('reads a bare key as the full-access caller "default" and name:role:key as a named caller', () => {
      const keys = loadConfig({
        HERALD_API_KEYS: 'bare-key, billing:send:k-send, audit.team:read:k-read, ops_1:operate:k:with:colons',
      }).apiKeys;
      expect(keys).toEqual([
        { name: 'default', role: 'operate', key: 'bare-key' },
        { name: 'billing', role: 'send', key: 'k-send' },
        { name: 'audit.team', role: 'read', key: 'k-read' },
        { name: 'ops_1', role: 'operate', key: 'k:with:colons' },
      ]);
    });

    it.each([
      ['an unknown role', 'a:admin:k-secret-1', /entry 2 of 2 has an unknown role; roles are send, read, operate/],
      ['two fields only', 'a:k-secret-1', /entry 2 of 2 must be a key, or name:role:key/],
      ['an empty name', ':send:k-secret-1', /entry 2 of 2 has an invalid name; names are 1 to 64 of A-Z a-z 0-9 . _ -/],
      ['a name with a space', 'my team:send:k-secret-1', /entry 2 of 2 has an invalid name/],
      ['a name over 64 characters', `${'n'.repeat(65)}:send:k-secret-1`, /entry 2 of 2 has an invalid name/],
      ['an empty key', 'a:send:', /entry 2 of 2 must be a key, or name:role:key/],
      ['a key with a space', 'a:send:k-secret 1', /entry 2 of 2 must be a key, or name:role:key/],
    ])('refuses %s at start-up, naming the entry by position and never quoting the key', (_name, bad, reason) => {
      const message = configErrorOf({ HERALD_API_KEYS: `k-first-secret,${bad}` });
      expect(message).toContain('HERALD_API_KEYS');
      expect(message).toMatch(reason);
      expect(message).not.toContain('k-first-secret');
      expect(message).not.toContain('k-secret');
      expect(message).not.toContain('admin');
    });

    it('refuses a key given twice, naming both entries and neither key', () => {
      const message = configErrorOf({ HERALD_API_KEYS: 'a:send:k-twice,k-other,b:read:k-twice' });
      expect(message).toMatch(/entry 3 of 3 repeats the key of entry 1/);
      expect(message).not.toContain('k-twice');
    });
  });

  describe('HERALD_BACKEND=aws', () => {
    it('needs the table, the queue and the body bucket, naming each one missing', () => {
      const message = configErrorOf({ HERALD_BACKEND: 'aws' });
      expect(message).toContain('HERALD_TABLE_NAME');
      expect(message).toContain('HERALD_QUEUE_URL');
      expect(message).toContain('HERALD_BODY_BUCKET');
      const onlyTable = configErrorOf({ HERALD_BACKEND: 'aws', HERALD_TABLE_NAME: 'herald' });
      expect(onlyTable).toContain('HERALD_QUEUE_URL');
      expect(onlyTable).not.toContain('HERALD_TABLE_NAME');
      const noBucket = configErrorOf({ HERALD_BACKEND: 'aws', HERALD_TABLE_NAME: 'herald', HERALD_QUEUE_URL: 'q' });
      expect(noBucket).toContain('HERALD_BODY_BUCKET: is required when HERALD_BACKEND=aws');
      expect(noBucket).not.toContain('HERALD_QUEUE_URL');
      expect(
        configErrorOf({
          HERALD_BACKEND: 'aws',
          HERALD_TABLE_NAME: '  ',
          HERALD_QUEUE_URL: 'q',
          HERALD_BODY_BUCKET: 'b',
        }),
      ).toContain('HERALD_TABLE_NAME');
    });

    it('reads the AWS settings when they are there', () => {
      const config = loadConfig({
        HERALD_BACKEND: 'aws',
        HERALD_TABLE_NAME: 'herald-table',
        HERALD_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/herald',
        HERALD_DLQ_URL: 'http://127.0.0.1:4566/000000000000/herald-dlq',
        HERALD_BODY_BUCKET: 'herald-bodies',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4567',
        AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4568',
      });
      expect(config.backend).toBe('aws');
      expect(config.aws).toEqual({
        tableName: 'herald-table',
        queueUrl: 'http://127.0.0.1:4566/000000000000/herald',
        dlqUrl: 'http://127.0.0.1:4566/000000000000/herald-dlq',
        bodyBucket: 'herald-bodies',
        region: 'eu-west-1',
        dynamoDbEndpoint: 'http://127.0.0.1:4567',
        sqsEndpoint: 'http://127.0.0.1:4566',
        s3Endpoint: 'http://127.0.0.1:4568',
        secretsManagerEndpoint: undefined,
      });
    });
  });

  describe('signing secrets', () => {
    const secret = (fill: number, bytes = 32) => `whsec_${Buffer.alloc(bytes, fill).toString('base64')}`;

    it('reads HERALD_SIGNING_SECRETS as a list, newest first, blanks dropped', () => {
      const config = loadConfig({ HERALD_SIGNING_SECRETS: ` ${secret(1)} ,${secret(2)},` });
      expect(config.signingSecrets).toEqual([secret(1), secret(2)]);
      expect(config.signingSecretArn).toBeUndefined();
    });

    it.each([
      ['without the whsec_ prefix', Buffer.alloc(32, 7).toString('base64'), /entry 2 of 2 must start with whsec_/],
      ['not base64', 'whsec_not*base64*at*all*not*base64*at*all', /entry 2 of 2 must be whsec_ followed by/],
      ['shorter than 24 bytes', secret(7, 23), /entry 2 of 2 must decode to at least 24 bytes/],
    ])('refuses an entry %s at start-up, naming the variable, never echoing a secret', (_name, bad, reason) => {
      const message = configErrorOf({ HERALD_SIGNING_SECRETS: `${secret(1)},${bad}` });
      expect(message).toContain('HERALD_SIGNING_SECRETS');
      expect(message).toMatch(reason);
      expect(message).not.toContain(bad);
      expect(message).not.toContain(secret(1).slice('whsec_'.length));
    });

    it('does not echo API keys either when they make the configuration invalid', () => {
      const message = configErrorOf({ HERALD_API_KEYS: 'k-very-secret', HERALD_SIGNING_SECRETS: 'whsec_short' });
      expect(message).toContain('HERALD_SIGNING_SECRETS');
      expect(message).not.toContain('k-very-secret');
      expect(message).not.toContain('whsec_short');
    });

    it('takes a Secrets Manager ARN instead, but not both', () => {
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:herald-signing-AbCdEf';
      expect(loadConfig({ HERALD_SIGNING_SECRET_ARN: arn })).toMatchObject({
        signingSecretArn: arn,
        signingSecrets: [],
      });
      const message = configErrorOf({ HERALD_SIGNING_SECRET_ARN: arn, HERALD_SIGNING_SECRETS: secret(1) });
      expect(message).toContain('HERALD_SIGNING_SECRET_ARN');
      expect(message).toContain('not both');
    });
  });

  it('reports every bad variable at once', () => {
    const message = configErrorOf({
      HERALD_PORT: 'abc',
      HERALD_BACKEND: 'mysql',
      HERALD_MAX_ATTEMPTS: '0',
      HERALD_RETENTION_DAYS: '0',
    });
    for (const name of ['HERALD_PORT', 'HERALD_BACKEND', 'HERALD_MAX_ATTEMPTS', 'HERALD_RETENTION_DAYS']) {
      expect(message).toContain(name);
    }
  });
});

describe("secrets at rest and receivers' keys", () => {
  const key = Buffer.alloc(32, 9).toString('base64');

  it('reads HERALD_SECRETS_KEY (32 bytes of standard base64), its Secrets Manager ARN, and the rotation window', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:herald-secrets-key-AbCdEf';
    expect(loadConfig({ HERALD_SECRETS_KEY: ` ${key} `, HERALD_SIGNING_ROTATION_HOURS: '2' })).toMatchObject({
      secretsKey: key,
      signingRotationHours: 2,
    });
    expect(loadConfig({ HERALD_SECRETS_KEY_ARN: arn }).secretsKeyArn).toBe(arn);
    expect(loadConfig({ HERALD_SIGNING_ROTATION_HOURS: '0' }).signingRotationHours).toBe(0);
  });

  it.each([
    ['31 bytes', Buffer.alloc(31, 9).toString('base64')],
    ['33 bytes', Buffer.alloc(33, 9).toString('base64')],
    ['base64url, not standard base64', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['not base64', 'this-is-not-a-key-this-is-not-a-key-12345'],
  ])('refuses a HERALD_SECRETS_KEY of %s, naming the variable, never quoting it', (_name, bad) => {
    const message = configErrorOf({ HERALD_SECRETS_KEY: bad });
    expect(message).toContain('HERALD_SECRETS_KEY');
    expect(message).toContain('32 bytes');
    expect(message).not.toContain(bad);
  });

  it('refuses HERALD_SECRETS_KEY beside HERALD_SECRETS_KEY_ARN', () => {
    const message = configErrorOf({ HERALD_SECRETS_KEY: key, HERALD_SECRETS_KEY_ARN: 'arn:aws:secretsmanager:x' });
    expect(message).toContain('HERALD_SECRETS_KEY_ARN');
    expect(message).not.toContain(key);
  });

  it.each(['-1', '1.5', 'a day', '8761'])('refuses HERALD_SIGNING_ROTATION_HOURS=%s', (bad) => {
    expect(configErrorOf({ HERALD_SIGNING_ROTATION_HOURS: bad })).toContain('HERALD_SIGNING_ROTATION_HOURS');
  });
});

describe('zero retry delays', () => {
  it('are accepted, for immediate retries (test harnesses)', () => {
    const config = loadConfig({ HERALD_RETRY_BASE_DELAY_MS: '0', HERALD_RETRY_MAX_DELAY_MS: '0' });
    expect(config.retryBaseDelayMs).toBe(0);
    expect(config.retryMaxDelayMs).toBe(0);
  });
});
