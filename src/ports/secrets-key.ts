/**
 * Where HERALD_SECRETS_KEY comes from: the configuration or a key file in the single process, AWS
 * Secrets Manager in Lambda (read once per container).
 */
export interface SecretsKey {
  /** The 32-byte key. Rejects when it cannot be read; the caller's request then fails like a store outage. */
  read(): Promise<Uint8Array>;
}

/** A key at hand (HERALD_SECRETS_KEY, the key file, a test's). */
export function fixedSecretsKey(key: Uint8Array): SecretsKey {
  const copy = Uint8Array.from(key);
  return { read: async () => copy };
}
