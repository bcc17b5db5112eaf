import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecretsKeyFile, SecretsKeyFileError } from '../../src/adapters/key-file/secrets-key-file.js';
import { loadConfig } from '../../src/config.js';
import { openNodeSecretsKey } from '../../src/entrypoints/node/secrets-key.js';
import { RecordingLogger } from '../helpers/fakes.js';

/** The single process's key file on a real file system. */

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'herald-key-file-'));
  path = join(dir, 'herald-secrets.key');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openSecretsKeyFile', () => {
  it('creates 32 random bytes in base64, owner-only (0600), leaving no temporary file behind', () => {
    const { key, created } = openSecretsKeyFile(path);
    expect(created).toBe(true);
    expect(key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe(key.toString('base64'));
    expect(readdirSync(dir)).toEqual(['herald-secrets.key']);
  });

  it('creates it owner-only whatever the umask', () => {
    const previous = process.umask(0);
    try {
      openSecretsKeyFile(path);
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('reuses the key it finds, and creates the directory when missing', () => {
    const nested = join(dir, 'data', 'herald-secrets.key');
    const first = openSecretsKeyFile(nested);
    const again = openSecretsKeyFile(nested);
    expect(again.created).toBe(false);
    expect(Buffer.compare(again.key, first.key)).toBe(0);
  });

  it('refuses a key file others may read or write, naming it and never quoting the key', () => {
    const { key } = openSecretsKeyFile(path);
    chmodSync(path, 0o644);
    expect(() => openSecretsKeyFile(path)).toThrow(SecretsKeyFileError);
    try {
      openSecretsKeyFile(path);
    } catch (error) {
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toContain('chmod 600');
      expect((error as Error).message).not.toContain(key.toString('base64'));
    }
  });

  it.each([
    ['31 bytes', Buffer.alloc(31, 1).toString('base64')],
    ['not base64', 'not a key at all, not a key at all, not!!'],
    ['nothing', ''],
  ])('refuses a key file holding %s', (_name, content) => {
    writeFileSync(path, content, { mode: 0o600 });
    expect(() => openSecretsKeyFile(path)).toThrow(/must hold 32 bytes in standard base64/);
  });
});

describe('openNodeSecretsKey (the node server)', () => {
  it('uses HERALD_SECRETS_KEY when set, and makes no file', async () => {
    const key = Buffer.alloc(32, 5);
    const opened = await openNodeSecretsKey(
      loadConfig({ HERALD_SECRETS_KEY: key.toString('base64'), HERALD_DB_PATH: join(dir, 'herald.db') }),
      new RecordingLogger(),
    );
    expect(Buffer.compare(Buffer.from(await opened.key.read()), key)).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives a :memory: database a key of its own in memory, and makes no file', async () => {
    const logger = new RecordingLogger();
    const first = await openNodeSecretsKey(loadConfig({ HERALD_DB_PATH: ':memory:' }), logger);
    const second = await openNodeSecretsKey(loadConfig({ HERALD_DB_PATH: ':memory:' }), logger);
    expect(await first.key.read()).toHaveLength(32);
    expect(Buffer.compare(Buffer.from(await first.key.read()), Buffer.from(await second.key.read()))).not.toBe(0);
    expect(logger.entries).toEqual([]);
  });

  it('makes the key file beside the database, saying so once with its path and never its content', async () => {
    const logger = new RecordingLogger();
    const config = loadConfig({ HERALD_DB_PATH: join(dir, 'herald.db') });
    const first = await openNodeSecretsKey(config, logger);
    const again = await openNodeSecretsKey(config, logger);
    expect(Buffer.compare(Buffer.from(await first.key.read()), Buffer.from(await again.key.read()))).toBe(0);
    expect(logger.entries.map((entry) => entry.fields)).toEqual([{ secretsKeyFile: path }]);
    expect(JSON.stringify(logger.entries)).not.toContain(readFileSync(path, 'utf8').trim());
  });

  it('refuses the AWS backend without HERALD_SECRETS_KEY or HERALD_SECRETS_KEY_ARN', async () => {
    const config = loadConfig({
      HERALD_BACKEND: 'aws',
      HERALD_TABLE_NAME: 't',
      HERALD_QUEUE_URL: 'http://127.0.0.1/q',
      HERALD_BODY_BUCKET: 'b',
      HERALD_DB_PATH: join(dir, 'herald.db'),
    });
    await expect(openNodeSecretsKey(config, new RecordingLogger())).rejects.toThrow(/HERALD_SECRETS_KEY/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
