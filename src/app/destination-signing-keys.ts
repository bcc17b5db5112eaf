import { HeraldError } from '../domain/errors.js';
import { openSecret, sealSecret } from '../domain/secret-box.js';
import { deriveSigningSecret, newSigningSecret } from '../domain/signature.js';
import type { Clock } from '../ports/clock.js';
import type { DestinationSecretStore, DestinationSecrets } from '../ports/destination-secret-store.js';
import type { SigningSecrets } from '../ports/signing-secrets.js';
import type { SecretsSubkeys } from './secrets-subkeys.js';

/** One key a destination signs with now, as operators read it (GET …/signing-secret). */
export interface SigningKeyInForce {
  secret: string;
  /** `destination`: made for it by an operator; `derived`: from HERALD_SIGNING_SECRETS and its origin. */
  source: 'destination' | 'derived';
  createdAt?: string;
  /** When it stops signing; absent while nothing replaces it. */
  expiresAt?: string;
}

export interface DestinationSigningKeysOptions {
  store: DestinationSecretStore;
  /** HERALD_SIGNING_SECRETS (or its Secrets Manager secret): what the derived keys come from. */
  configured: SigningSecrets;
  subkeys: SecretsSubkeys;
  clock: Clock;
  /** How long a replaced key keeps signing beside its successor (HERALD_SIGNING_ROTATION_HOURS). */
  rotationMs: number;
  /** How long a destination's stored secrets are trusted once read; a rotation through this instance is seen at once. */
  cacheMs: number;
}

/**
 * Rotations that can be in force at once: a burst of rotations keeps only this many keys (the newest),
 * so the signature header and the stored record stay small.
 */
const MAX_OWN_KEYS = 10;

/** Entries each cache holds at most (destinations, opened keys); the oldest is dropped first. */
const MAX_CACHED = 10_000;

/** Rotations lost to a concurrent one are tried again this often before giving up (a 503). */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * The keys each destination signs with (one key per receiver: a receiver can verify what it is sent
 * but sign nothing another receiver would accept). A destination signs with its own keys once an
 * operator made one, else with a key derived from each configured secret and its origin. Its own keys
 * are stored sealed under the secrets key's `destination-secrets` subkey.
 */
export class DestinationSigningKeys {
  private readonly cache = new Map<string, { secrets: DestinationSecrets | undefined; readAt: number }>();
  /**
   * What HKDF and AES-GCM gave before (about 20 µs a derivation, several per signed delivery): the
   * derived keys of an origin from the configured list they were derived from (the same array until
   * it is read again), and each sealed key opened, by its destination and sealed text.
   */
  private readonly derived = new Map<string, { from: readonly string[]; keys: string[] }>();
  private readonly opened = new Map<string, string>();

  constructor(private readonly options: DestinationSigningKeysOptions) {}

  /** The `whsec_…` keys to sign a delivery to `destination` with, newest first; empty: none. */
  async signingSecretsFor(destination: string): Promise<string[]> {
    return (await this.inForce(destination)).map((key) => key.secret);
  }

  /** Whether a notification to `destination` can be signed (ingest refuses `sign: true` otherwise). */
  async canSign(destination: string): Promise<boolean> {
    if (this.options.configured.configured) return true;
    return ((await this.stored(destination))?.signing.length ?? 0) > 0;
  }

  /** The keys `destination` signs with now, newest first. */
  async inForce(destination: string): Promise<SigningKeyInForce[]> {
    const now = this.options.clock.now().toISOString();
    const stored = await this.stored(destination);
    const own = stored?.signing.filter((key) => key.expiresAt === undefined || key.expiresAt > now) ?? [];
    const sealing = own.length > 0 ? await this.options.subkeys.forPurpose('destination-secrets') : undefined;
    const keys: SigningKeyInForce[] = own.map((key) => ({
      secret: this.open(sealing as Buffer, destination, key.sealed),
      source: 'destination',
      createdAt: key.createdAt,
      ...(key.expiresAt === undefined ? {} : { expiresAt: key.expiresAt }),
    }));
    const derivedUntil = stored?.derivedSigningUntil;
    if (own.length === 0 || (derivedUntil !== undefined && derivedUntil > now)) {
      for (const secret of await this.derivedKeys(destination)) {
        keys.push({
          secret,
          source: 'derived',
          ...(own.length > 0 && derivedUntil !== undefined ? { expiresAt: derivedUntil } : {}),
        });
      }
    }
    return keys;
  }

  /**
   * Makes `destination` a new key and returns it (the only time it is shown). The keys it replaces
   * keep signing for the rotation window; the first own key also keeps the derived keys signing as long.
   */
  async rotate(destination: string): Promise<{ secret: string; createdAt: string }> {
    const secret = newSigningSecret();
    const sealing = await this.options.subkeys.forPurpose('destination-secrets');
    for (let attempt = 1; ; attempt++) {
      const now = this.options.clock.now();
      const createdAt = now.toISOString();
      const until = new Date(now.getTime() + this.options.rotationMs).toISOString();
      const current = await this.options.store.get(destination);
      const kept = (current?.signing ?? [])
        .filter((key) => key.expiresAt === undefined || key.expiresAt > createdAt)
        .map((key) => ({ ...key, expiresAt: key.expiresAt ?? until }));
      const next: DestinationSecrets = {
        destination,
        signing: [{ sealed: sealSecret(sealing, destination, secret), createdAt }, ...kept].slice(0, MAX_OWN_KEYS),
        // Set by the first own key, and kept: the derived keys are replaced once.
        derivedSigningUntil: current?.derivedSigningUntil ?? until,
        version: current?.version ?? 0,
      };
      const stored = await this.options.store.put(next, current?.version ?? 0);
      if (stored) {
        this.remember(destination, stored);
        return { secret, createdAt };
      }
      if (attempt >= MAX_WRITE_ATTEMPTS) {
        throw new HeraldError(
          'SYSTEM_ERROR',
          `The signing key of ${destination} was rotated by another request ${MAX_WRITE_ATTEMPTS} times in a row; try again`,
        );
      }
    }
  }

  private async derivedKeys(destination: string): Promise<string[]> {
    if (!this.options.configured.configured) return [];
    const configured = await this.options.configured.current();
    const known = this.derived.get(destination);
    if (known?.from === configured) return known.keys;
    const keys = configured.map((secret) => deriveSigningSecret(secret, destination));
    remember(this.derived, destination, { from: configured, keys });
    return keys;
  }

  private open(sealing: Buffer, destination: string, sealed: string): string {
    // By destination too: a sealed key copied onto another destination must still fail to open there.
    const cacheKey = `${destination} ${sealed}`;
    let secret = this.opened.get(cacheKey);
    if (secret === undefined) {
      secret = openSecret(sealing, destination, sealed);
      remember(this.opened, cacheKey, secret);
    }
    return secret;
  }

  private async stored(destination: string): Promise<DestinationSecrets | undefined> {
    const cached = this.cache.get(destination);
    if (cached && this.options.clock.now().getTime() - cached.readAt < this.options.cacheMs) return cached.secrets;
    const secrets = await this.options.store.get(destination);
    if (this.options.cacheMs > 0) this.remember(destination, secrets);
    return secrets;
  }

  private remember(destination: string, secrets: DestinationSecrets | undefined): void {
    remember(this.cache, destination, { secrets, readAt: this.options.clock.now().getTime() });
  }
}

/** Sets `key` as the newest entry of `map`, dropping the oldest beyond MAX_CACHED. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= MAX_CACHED) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
