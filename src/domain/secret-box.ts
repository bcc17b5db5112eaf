import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { HeraldError } from './errors.js';

/**
 * Secrets at rest (a destination's signing keys, later its vendor credentials): sealed with
 * AES-256-GCM under a key derived from HERALD_SECRETS_KEY. The destination is the cipher's additional
 * data, so a sealed value copied onto another destination's record does not open there. Pure: the
 * key is passed in.
 */

/** HERALD_SECRETS_KEY is this many bytes, as are the subkeys made from it. */
export const SECRETS_KEY_BYTES = 32;

/** What each subkey of the secrets key is for; one key is never used for two things. */
export type SecretsKeyPurpose = 'destination-secrets' | 'notification-id';

const SUBKEY_SALT = 'herald secrets key v1';
const FORMAT = 'v1';
const NONCE_BYTES = 12;
/** Fixed, so a truncated tag (a weaker check) is refused rather than accepted. */
const TAG_BYTES = 16;
const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A sealed value that does not open: tampered with, another destination's, or sealed under another
 * key (HERALD_SECRETS_KEY or the key file changed). Herald's fault, not the caller's: a 503, logged.
 */
export class SecretSealError extends HeraldError {
  override readonly name = 'SecretSealError';

  constructor(message: string) {
    super('SYSTEM_ERROR', message);
  }
}

/** The subkey of `secretsKey` for one purpose (HKDF-SHA256, the purpose as its info). */
export function secretsSubkey(secretsKey: Uint8Array, purpose: SecretsKeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secretsKey, SUBKEY_SALT, purpose, SECRETS_KEY_BYTES));
}

/**
 * The 32-byte secrets key in a text: taken as it is when the text is 32 bytes of standard base64
 * (HERALD_SECRETS_KEY, the key file), else derived from the whole text with HKDF-SHA256 — Secrets
 * Manager generates a random string, not base64 of 32 bytes.
 */
export function secretsKeyFromText(text: string): Buffer {
  const trimmed = text.trim();
  if (STANDARD_BASE64.test(trimmed) && trimmed.length % 4 === 0) {
    const decoded = Buffer.from(trimmed, 'base64');
    if (decoded.length === SECRETS_KEY_BYTES) return decoded;
  }
  return Buffer.from(hkdfSync('sha256', Buffer.from(trimmed, 'utf8'), SUBKEY_SALT, 'from-text', SECRETS_KEY_BYTES));
}

/** `v1.<nonce>.<ciphertext>.<tag>`, each part base64url: what a store keeps for `secret`. */
export function sealSecret(key: Uint8Array, destination: string, secret: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(destination, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [FORMAT, nonce, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The secret `sealed` holds for `destination`; SecretSealError when it does not open (never quoting it). */
export function openSecret(key: Uint8Array, destination: string, sealed: string): string {
  const [format, nonce, ciphertext, tag, ...rest] = sealed.split('.');
  if (format !== FORMAT || nonce === undefined || ciphertext === undefined || tag === undefined || rest.length > 0) {
    throw new SecretSealError(`a stored secret of ${destination} is not in the sealed format`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(destination, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretSealError(
      `a stored secret of ${destination} does not open under HERALD_SECRETS_KEY: tampered with, moved from another destination, or sealed under another key`,
    );
  }
}
