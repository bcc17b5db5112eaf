import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecretsKeyFile, SecretsKeyFileError } from '../../src/adapters/key-file/secrets-key-file.js';

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
