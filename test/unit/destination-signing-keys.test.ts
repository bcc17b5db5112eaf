import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DestinationSigningKeys } from '../../src/app/destination-signing-keys.js';
import { SecretsSubkeys } from '../../src/app/secrets-subkeys.js';
import { SecretSealError } from '../../src/domain/secret-box.js';
import { deriveSigningSecret, SECRET_PREFIX } from '../../src/domain/signature.js';
import { fixedSecretsKey } from '../../src/ports/secrets-key.js';
import { staticSigningSecrets } from '../../src/ports/signing-secrets.js';
import { FakeClock, InMemoryDestinationSecretStore } from '../helpers/fakes.js';

const ROOT = `whsec_${Buffer.from('the configured signing secret, current').toString('base64')}`;
const OLD_ROOT = `whsec_${Buffer.from('the configured signing secret, previous').toString('base64')}`;
const A = 'https://a.example';
const B = 'https://b.example';
const HOUR = 3_600_000;

function signingKeys(options: { roots?: string[]; cacheMs?: number } = {}) {
  const clock = new FakeClock();
  const store = new InMemoryDestinationSecretStore();
  const keys = new DestinationSigningKeys({
    store,
    configured: staticSigningSecrets(options.roots ?? [ROOT, OLD_ROOT]),
    subkeys: new SecretsSubkeys(fixedSecretsKey(randomBytes(32))),
    clock,
    rotationMs: 24 * HOUR,
    cacheMs: options.cacheMs ?? 0,
  });
  return { keys, store, clock };
}

describe('DestinationSigningKeys', () => {
  it('signs a destination without its own key with one key derived per configured secret, its own', async () => {
    const { keys } = signingKeys();
    expect(await keys.signingSecretsFor(A)).toEqual([deriveSigningSecret(ROOT, A), deriveSigningSecret(OLD_ROOT, A)]);
    expect(await keys.signingSecretsFor(B)).toEqual([deriveSigningSecret(ROOT, B), deriveSigningSecret(OLD_ROOT, B)]);
    expect(await keys.inForce(A)).toEqual([
      { secret: deriveSigningSecret(ROOT, A), source: 'derived' },
      { secret: deriveSigningSecret(OLD_ROOT, A), source: 'derived' },
    ]);
  });

  it('has nothing to sign with when nothing is configured and no key was made', async () => {
    const { keys } = signingKeys({ roots: [] });
    expect(await keys.signingSecretsFor(A)).toEqual([]);
    expect(await keys.canSign(A)).toBe(false);
  });

  it('makes a destination its own key, stores it sealed, and keeps the derived keys signing for the rotation window', async () => {
    const { keys, store, clock } = signingKeys();
    const made = await keys.rotate(A);
    expect(made.secret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(made.createdAt).toBe(clock.now().toISOString());
    expect(JSON.stringify(await store.get(A))).not.toContain(made.secret.slice(SECRET_PREFIX.length));
    const until = new Date(clock.now().getTime() + 24 * HOUR).toISOString();
    expect(await keys.inForce(A)).toEqual([
      { secret: made.secret, source: 'destination', createdAt: made.createdAt },
      { secret: deriveSigningSecret(ROOT, A), source: 'derived', expiresAt: until },
      { secret: deriveSigningSecret(OLD_ROOT, A), source: 'derived', expiresAt: until },
    ]);
    // Another destination is untouched.
    expect(await keys.signingSecretsFor(B)).toEqual([deriveSigningSecret(ROOT, B), deriveSigningSecret(OLD_ROOT, B)]);

    clock.advance(24 * HOUR);
    expect(await keys.signingSecretsFor(A)).toEqual([made.secret]);
  });

  it('keeps the previous own key signing beside a new one for the rotation window, then drops it', async () => {
    const { keys, clock } = signingKeys();
    const first = await keys.rotate(A);
    clock.advance(30 * HOUR);
    const second = await keys.rotate(A);
    expect(second.secret).not.toBe(first.secret);
    expect(await keys.inForce(A)).toEqual([
      { secret: second.secret, source: 'destination', createdAt: second.createdAt },
      {
        secret: first.secret,
        source: 'destination',
        createdAt: first.createdAt,
        expiresAt: new Date(clock.now().getTime() + 24 * HOUR).toISOString(),
      },
    ]);
    clock.advance(24 * HOUR - 1);
    expect(await keys.signingSecretsFor(A)).toEqual([second.secret, first.secret]);
    clock.advance(1);
    expect(await keys.signingSecretsFor(A)).toEqual([second.secret]);
  });

  it('lets a destination with its own key sign when nothing is configured', async () => {
    const { keys } = signingKeys({ roots: [] });
    const made = await keys.rotate(A);
    expect(await keys.canSign(A)).toBe(true);
    expect(await keys.canSign(B)).toBe(false);
    expect(await keys.signingSecretsFor(A)).toEqual([made.secret]);
  });

  it('sees a rotation made through it at once, even while it caches what it read', async () => {
    const { keys } = signingKeys({ cacheMs: 60_000 });
    await keys.signingSecretsFor(A);
    const made = await keys.rotate(A);
    expect((await keys.signingSecretsFor(A))[0]).toBe(made.secret);
  });

  it('loses no key when two rotations race', async () => {
    const { keys } = signingKeys();
    const [one, two] = await Promise.all([keys.rotate(A), keys.rotate(A)]);
    const inForce = (await keys.signingSecretsFor(A)).filter(
      (secret) => secret === one.secret || secret === two.secret,
    );
    expect(inForce.sort()).toEqual([one.secret, two.secret].sort());
  });
});

describe('DestinationSigningKeys and a tampered store', () => {
  it('refuses a sealed key copied onto another destination, even after opening it where it belongs', async () => {
    const { keys, store } = signingKeys();
    await keys.rotate(A);
    await keys.signingSecretsFor(A);
    const stolen = await store.get(A);
    if (!stolen) throw new Error('nothing stored');
    await store.put({ ...stolen, destination: B }, 0);
    await expect(keys.signingSecretsFor(B)).rejects.toThrow(SecretSealError);
  });
});
