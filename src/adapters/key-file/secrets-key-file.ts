import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SECRETS_KEY_BYTES } from '../../domain/secret-box.js';

/** Why the key file cannot be used; the message names the file and never quotes the key. */
export class SecretsKeyFileError extends Error {
  override readonly name = 'SecretsKeyFileError';
}

const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The secrets key kept in a file (the single process without HERALD_SECRETS_KEY): read when it
 * exists, else created with 32 random bytes in base64 — the same text HERALD_SECRETS_KEY takes — and
 * mode 0600. Created atomically: written whole to a temporary file, then linked to its name, which
 * fails if another process got there first (its key is then the one read). A file another user can
 * read or write, or that does not hold 32 bytes of base64, is refused.
 */
export function openSecretsKeyFile(path: string): { key: Buffer; created: boolean } {
  const existing = readKeyFile(path);
  if (existing) return { key: existing, created: false };
  const key = randomBytes(SECRETS_KEY_BYTES);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  writeFileSync(temporary, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx', flush: true });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = readKeyFile(path);
    if (raced) return { key: raced, created: false };
    throw error;
  } finally {
    unlinkSync(temporary);
  }
  syncDirectory(dirname(path));
  return { key, created: true };
}

/** The key in `path`, undefined when there is no file; SecretsKeyFileError when it cannot be trusted. */
function readKeyFile(path: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretsKeyFileError(`The secrets key file ${path} cannot be read: ${(error as Error).message}`);
  }
  const stat = statSync(path);
  if (!stat.isFile() || (stat.mode & 0o077) !== 0) {
    throw new SecretsKeyFileError(
      `The secrets key file ${path} must be a file only its owner can read and write (chmod 600 ${path})`,
    );
  }
  const encoded = text.trim();
  const key = STANDARD_BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, 'base64') : undefined;
  if (key?.length !== SECRETS_KEY_BYTES) {
    throw new SecretsKeyFileError(
      `The secrets key file ${path} must hold ${SECRETS_KEY_BYTES} bytes in standard base64; restore it from its backup`,
    );
  }
  return key;
}

/** Makes the new name durable: a crash after this cannot lose the file while data sealed under it survives. */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
