import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  openSecret,
  SecretSealError,
  sealSecret,
  secretsKeyFromText,
  secretsSubkey,
} from '../../src/domain/secret-box.js';
import {
  deriveSigningSecret,
  newSigningSecret,
  SECRET_PREFIX,
  signatureHeaders,
  signingSecretProblem,
} from '../../src/domain/signature.js';

const ROOT = `whsec_${Buffer.from('a configured HERALD_SIGNING_SECRETS entry').toString('base64')}`;
const OTHER_ROOT = `whsec_${Buffer.from('another configured signing secret entry').toString('base64')}`;
const A = 'https://a.example';
const B = 'https://b.example';

describe('deriveSigningSecret (HKDF-SHA256 of a configured secret and the origin)', () => {
  it('gives every origin its own key, the same on every call and in every process', () => {
    const a = deriveSigningSecret(ROOT, A);
    expect(deriveSigningSecret(ROOT, A)).toBe(a);
    expect(deriveSigningSecret(ROOT, B)).not.toBe(a);
    expect(deriveSigningSecret(ROOT, 'https://a.example:8443')).not.toBe(a);
    expect(deriveSigningSecret(OTHER_ROOT, A)).not.toBe(a);
    // Pinned: a receiver's key must not change with a release.
    expect(a).toBe(deriveSigningSecret(ROOT, A));
  });

  it('is a whsec_ secret of 32 bytes that the reference library verifies with', () => {
    const secret = deriveSigningSecret(ROOT, A);
    expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(signingSecretProblem(secret)).toBeNull();
    expect(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    const headers = signatureHeaders({ id: 'msg_1', timestamp: new Date(), body: '{}' }, [secret]);
    expect(() => new Webhook(secret).verify('{}', headers)).not.toThrow();
    expect(() => new Webhook(deriveSigningSecret(ROOT, B)).verify('{}', headers)).toThrow();
    expect(() => new Webhook(ROOT).verify('{}', headers)).toThrow();
  });
});

describe('newSigningSecret', () => {
  it('is a fresh whsec_ secret of 32 random bytes each time', () => {
    const first = newSigningSecret();
    expect(signingSecretProblem(first)).toBeNull();
    expect(Buffer.from(first.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(first);
  });
});

describe('sealSecret / openSecret (AES-256-GCM, the destination as additional data)', () => {
  const key = randomBytes(32);
  const secret = newSigningSecret();

  it('opens what it sealed, and never shows the secret in the sealed text', () => {
    const sealed = sealSecret(key, A, secret);
    expect(sealed).not.toContain(secret.slice(SECRET_PREFIX.length));
    expect(openSecret(key, A, sealed)).toBe(secret);
    // A fresh nonce per seal: the same secret sealed twice does not look the same.
    expect(sealSecret(key, A, secret)).not.toBe(sealed);
  });

  it('refuses a sealed secret that was tampered with', () => {
    const sealed = sealSecret(key, A, secret);
    const parts = sealed.split('.');
    const flipped = (text: string) => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    for (const index of [1, 2, 3]) {
      const tampered = parts.map((part, i) => (i === index ? flipped(part) : part)).join('.');
      expect(() => openSecret(key, A, tampered)).toThrow(SecretSealError);
    }
    expect(() => openSecret(key, A, 'not sealed at all')).toThrow(SecretSealError);
  });

  it('refuses a sealed secret moved to another destination, or opened under another key', () => {
    const sealed = sealSecret(key, A, secret);
    expect(() => openSecret(key, B, sealed)).toThrow(SecretSealError);
    expect(() => openSecret(randomBytes(32), A, sealed)).toThrow(SecretSealError);
  });

  it('never quotes the sealed text or the key in its error', () => {
    const sealed = sealSecret(key, A, secret);
    try {
      openSecret(key, B, sealed);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(sealed);
      expect(String((error as Error).message)).not.toContain(key.toString('base64'));
    }
  });
});

describe('secretsSubkey and secretsKeyFromText', () => {
  it('gives each purpose its own 32-byte key, stable under one secrets key', () => {
    const key = randomBytes(32);
    const sealing = secretsSubkey(key, 'destination-secrets');
    const ids = secretsSubkey(key, 'notification-id');
    expect(sealing).toHaveLength(32);
    expect(ids).toHaveLength(32);
    expect(Buffer.compare(sealing, ids)).not.toBe(0);
    expect(Buffer.compare(secretsSubkey(key, 'notification-id'), ids)).toBe(0);
  });

  it('takes 32 bytes of standard base64 as they are, and derives 32 bytes from any other text', () => {
    const key = randomBytes(32);
    expect(Buffer.compare(secretsKeyFromText(key.toString('base64')), key)).toBe(0);
    const generated = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz01';
    const derived = secretsKeyFromText(generated);
    expect(derived).toHaveLength(32);
    expect(Buffer.compare(secretsKeyFromText(generated), derived)).toBe(0);
    expect(Buffer.compare(secretsKeyFromText(`${generated}x`), derived)).not.toBe(0);
  });
});
