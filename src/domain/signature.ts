import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): what a receiver verifies with any
 * Standard Webhooks library. Pure: the secrets come from the SigningSecrets port.
 */

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/**
 * The caller may not set headers with this prefix, signed or not: a `webhook-signature` of their own
 * would let a caller pass off a payload as Herald's (beside ours, or where a receiver expects one).
 */
export const RESERVED_HEADER_PREFIX = 'webhook-';

export const SECRET_PREFIX = 'whsec_';

/** The specification asks for keys of 24 to 64 random bytes; shorter ones are refused. */
export const MIN_SECRET_BYTES = 24;

/** The longest a replaced signing key may keep signing beside its successor (HERALD_SIGNING_ROTATION_HOURS): a year. */
export const MAX_SIGNING_ROTATION_HOURS = 8760;

/** Standard base64 with its padding, which is what the reference libraries decode. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Why `secret` cannot sign, or null when it can. The message never quotes the secret: it ends up in
 * start-up errors and logs.
 */
export function signingSecretProblem(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) return `must start with ${SECRET_PREFIX}`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded === '' || !BASE64.test(encoded)) return `must be ${SECRET_PREFIX} followed by standard base64`;
  if (Buffer.from(encoded, 'base64').length < MIN_SECRET_BYTES) {
    return `must decode to at least ${MIN_SECRET_BYTES} bytes`;
  }
  return null;
}

/** The size of the keys Herald makes for a destination, derived or random. */
const DESTINATION_SECRET_BYTES = 32;

/**
 * HKDF's salt for destination keys: fixed, so a destination's derived key is the same in every
 * process and release; it only separates these keys from any other use of the configured secret.
 */
const DERIVATION_SALT = 'herald destination signing key v1';

/**
 * The key a destination signs with when no operator made one: HKDF-SHA256 of the configured secret's
 * bytes and the destination's origin. Each origin gets its own, so a receiver holding its key cannot
 * sign for any other; and the same configured secret always gives an origin the same key.
 */
export function deriveSigningSecret(configuredSecret: string, origin: string): string {
  const ikm = Buffer.from(configuredSecret.slice(SECRET_PREFIX.length), 'base64');
  const key = hkdfSync('sha256', ikm, DERIVATION_SALT, origin, DESTINATION_SECRET_BYTES);
  return SECRET_PREFIX + Buffer.from(key).toString('base64');
}

/** A new random key for one destination, as an operator asks for it. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(DESTINATION_SECRET_BYTES).toString('base64');
}

/** The entries of a comma-separated list of secrets, trimmed, empty entries dropped (a trailing comma). */
export function splitSecretList(list: string): string[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export interface SignedMessage {
  /** The notification id: the same on every attempt, so a receiver can drop duplicates by it. */
  id: string;
  /** When this attempt is sent; signed in whole Unix seconds. */
  timestamp: Date;
  /** The body exactly as sent, the empty string when there is none. */
  body: string;
}

/**
 * The three Standard Webhooks headers for one attempt. Every secret signs (one `v1,` signature each,
 * space-separated), so during a key rotation receivers holding either the new or the old key verify.
 */
export function signatureHeaders(message: SignedMessage, secrets: readonly string[]): Record<string, string> {
  // Sending the headers without a signature would be worse than failing: the receiver would reject it
  // at best, and a lax one would accept it unverified.
  if (secrets.length === 0) throw new Error('no signing secret to sign with');
  const seconds = String(Math.floor(message.timestamp.getTime() / 1000));
  const content = `${message.id}.${seconds}.${message.body}`;
  const signatures = secrets.map((secret) => {
    if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`signing secrets must start with ${SECRET_PREFIX}`);
    const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
    return `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`;
  });
  return {
    [WEBHOOK_ID_HEADER]: message.id,
    [WEBHOOK_TIMESTAMP_HEADER]: seconds,
    [WEBHOOK_SIGNATURE_HEADER]: signatures.join(' '),
  };
}
