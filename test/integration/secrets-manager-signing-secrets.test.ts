import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_ENGINE_CREDENTIALS } from '../../src/adapters/aws-clients.js';
import { SecretsManagerSigningSecrets } from '../../src/adapters/secrets-manager/secrets-manager-signing-secrets.js';
import { loadConfig } from '../../src/config.js';
import { BackendUnavailableError } from '../../src/domain/errors.js';
import { secretsKeyFromText } from '../../src/domain/secret-box.js';
import { signatureHeaders } from '../../src/domain/signature.js';
import { openSharedSecretsKey } from '../../src/entrypoints/aws-secrets-key.js';
import { openSigningSecrets, SIGNING_SECRETS_CACHE_MS } from '../../src/entrypoints/aws-signing-secrets.js';
import { type FakeSecretsManager, startFakeSecretsManager } from '../helpers/fake-secrets-manager.js';
import { FakeClock } from '../helpers/fakes.js';

/** The Secrets Manager adapter through the real SDK client, against a loopback Secrets Manager. */

// What the CDK stack generates: 44 letters and digits, i.e. base64 of 33 bytes without the prefix.
const generated = () => randomBytes(33).toString('base64').replace(/[+/]/g, 'A');
const CACHE_MS = 60_000;

let secretsManager: FakeSecretsManager;
let clock: FakeClock;
const opened: SecretsManagerSigningSecrets[] = [];
const secretsFor = (secretId = secretsManager.arn) => {
  const secrets = new SecretsManagerSigningSecrets({
    client: {
      region: 'us-east-1',
      endpoint: secretsManager.endpoint,
      credentials: LOCAL_ENGINE_CREDENTIALS,
      maxAttempts: 1,
    },
    secretId,
    cacheMs: CACHE_MS,
    clock,
  });
  opened.push(secrets);
  return secrets;
};

beforeAll(async () => {
  secretsManager = await startFakeSecretsManager(undefined);
});
afterAll(async () => {
  for (const secrets of opened) secrets.close();
  await secretsManager?.close();
});
beforeEach(() => {
  secretsManager.calls.length = 0;
  secretsManager.failing = false;
  clock = new FakeClock(new Date());
});

describe('SecretsManagerSigningSecrets', () => {
  it('reads the generated value as a whsec_ secret a receiver verifies with', async () => {
    const value = generated();
    secretsManager.value = value;
    const secrets = secretsFor();

    expect(secrets.configured).toBe(true);
    expect(await secrets.current()).toEqual([`whsec_${value}`]);
    const headers = signatureHeaders({ id: 'n-1', timestamp: new Date(), body: 'b' }, await secrets.current());
    expect(() => new Webhook(`whsec_${value}`).verify('b', headers, { jsonParse: false })).not.toThrow();
  });

  it('reads a rotated list, newest first, entries with or without the prefix', async () => {
    const [next, previous] = [`whsec_${randomBytes(32).toString('base64')}`, generated()];
    secretsManager.value = ` ${next} , ${previous} `;
    expect(await secretsFor().current()).toEqual([next, `whsec_${previous}`]);
  });

  it('reads once per cache period, shared by concurrent callers, then again: a rotation needs no deploy', async () => {
    const [before, after] = [generated(), generated()];
    secretsManager.value = before;
    const secrets = secretsFor();

    const concurrent = await Promise.all(Array.from({ length: 10 }, () => secrets.current()));
    expect(concurrent.every((list) => list[0] === `whsec_${before}`)).toBe(true);
    expect(secretsManager.calls).toEqual([secretsManager.arn]);

    secretsManager.value = `${after},${before}`;
    clock.advance(CACHE_MS - 1);
    expect(await secrets.current()).toEqual([`whsec_${before}`]);
    expect(secretsManager.calls).toHaveLength(1);

    clock.advance(1);
    expect(await secrets.current()).toEqual([`whsec_${after}`, `whsec_${before}`]);
    expect(secretsManager.calls).toHaveLength(2);
  });

  it('rejects while Secrets Manager fails, caches nothing, and reads again on the next call', async () => {
    secretsManager.value = generated();
    secretsManager.failing = true;
    const secrets = secretsFor();

    await expect(secrets.current()).rejects.toBeInstanceOf(BackendUnavailableError);
    secretsManager.failing = false;
    expect(await secrets.current()).toEqual([`whsec_${secretsManager.value}`]);
    expect(secretsManager.calls).toHaveLength(2);
  });

  it('rejects a secret it may not read as unavailable, naming no value', async () => {
    const rejected = secretsFor('arn:aws:secretsmanager:us-east-1:123456789012:secret:other-XyZ').current();
    await expect(rejected).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(rejected).rejects.toThrow('Secrets Manager is unavailable');
  });

  it.each([
    ['an empty value', ' , ', 'it is empty'],
    [
      'a key shorter than 24 bytes',
      randomBytes(18).toString('base64'),
      'entry 1 of 1 must decode to at least 24 bytes',
    ],
    ['a value that is not base64', 'not a signing secret', 'entry 1 of 1 must be whsec_ followed by standard base64'],
  ])('refuses %s, naming the secret but never its value', async (_name, value, reason) => {
    secretsManager.value = value;
    const message = await secretsFor()
      .current()
      .then(
        () => 'accepted',
        (error: Error) => error.message,
      );
    expect(message).toBe(`The signing secret ${secretsManager.arn} cannot be used: ${reason}`);
    expect(message).not.toContain(value);
  });

  it('refuses to read once closed', async () => {
    secretsManager.value = generated();
    const secrets = secretsFor();
    await secrets.current();
    clock.advance(CACHE_MS);
    secrets.close();
    await expect(secrets.current()).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(secretsManager.calls).toHaveLength(1);
  });

  it('refuses a secret holding no string value', async () => {
    secretsManager.value = undefined;
    await expect(secretsFor().current()).rejects.toThrow('it holds no string value');
  });
});

describe('openSigningSecrets', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('uses the Secrets Manager secret HERALD_SIGNING_SECRET_ARN names', async () => {
    // The client takes credentials from the default chain, as in Lambda; never from instance metadata.
    for (const [name, value] of Object.entries({
      AWS_ACCESS_KEY_ID: LOCAL_ENGINE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_ENGINE_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    })) {
      vi.stubEnv(name, value);
    }
    secretsManager.value = generated();
    const opened = openSigningSecrets(
      loadConfig({
        HERALD_SIGNING_SECRET_ARN: secretsManager.arn,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
        AWS_REGION: 'us-east-1',
      }),
    );
    try {
      expect(opened.secrets.configured).toBe(true);
      expect(await opened.secrets.current()).toEqual([`whsec_${secretsManager.value}`]);
      expect(secretsManager.calls).toEqual([secretsManager.arn]);
    } finally {
      opened.close();
    }
    expect(SIGNING_SECRETS_CACHE_MS).toBe(5 * 60_000);
  });

  it('uses HERALD_SIGNING_SECRETS otherwise, and is not configured without either', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const listed = openSigningSecrets(loadConfig({ HERALD_SIGNING_SECRETS: secret }));
    expect(listed.secrets.configured).toBe(true);
    expect(await listed.secrets.current()).toEqual([secret]);
    expect(openSigningSecrets(loadConfig({})).secrets.configured).toBe(false);
    expect(secretsManager.calls).toEqual([]);
  });
});

describe('SecretsManagerSecretsKey (HERALD_SECRETS_KEY_ARN)', () => {
  const keyFrom = () => {
    const opened = openSharedSecretsKey(
      loadConfig({
        HERALD_SECRETS_KEY_ARN: secretsManager.arn,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
        AWS_REGION: 'us-east-1',
      }),
    );
    closers.push(opened.close);
    return opened.key;
  };
  const closers: (() => void)[] = [];
  // Credentials from the default chain, as in Lambda; never from instance metadata.
  beforeEach(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_ENGINE_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_ENGINE_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  });
  afterEach(() => vi.unstubAllEnvs());
  afterAll(() => {
    for (const close of closers) close();
  });

  it('derives the 32-byte key from the generated value, and reads it once per container', async () => {
    // What the CDK stack generates: 64 letters and digits.
    secretsManager.value = randomBytes(48).toString('base64').replace(/[+/]/g, 'A');
    const key = keyFrom();
    const [first, second] = await Promise.all([key.read(), key.read()]);
    expect(first).toHaveLength(32);
    expect(Buffer.compare(Buffer.from(first), secretsKeyFromText(secretsManager.value))).toBe(0);
    expect(Buffer.compare(Buffer.from(await key.read()), Buffer.from(second))).toBe(0);
    expect(secretsManager.calls).toEqual([secretsManager.arn]);
  });

  it('takes a value that is 32 bytes of base64 as it is', async () => {
    const bytes = randomBytes(32);
    secretsManager.value = bytes.toString('base64');
    expect(Buffer.compare(Buffer.from(await keyFrom().read()), bytes)).toBe(0);
  });

  it('keeps no failed read: the next use reads again', async () => {
    secretsManager.value = randomBytes(48).toString('base64');
    const key = keyFrom();
    secretsManager.failing = true;
    await expect(key.read()).rejects.toBeInstanceOf(BackendUnavailableError);
    secretsManager.failing = false;
    expect(await key.read()).toHaveLength(32);
  });

  it('is required on the AWS backend: without HERALD_SECRETS_KEY or its ARN nothing starts', () => {
    expect(() => openSharedSecretsKey(loadConfig({}))).toThrow(/HERALD_SECRETS_KEY or HERALD_SECRETS_KEY_ARN/);
  });
});
