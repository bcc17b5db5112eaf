/**
 * Where the Standard Webhooks signing secrets come from: the configuration in the single process,
 * AWS Secrets Manager in Lambda (read again after a while, so a rotation needs no deploy).
 */
export interface SigningSecrets {
  /** Whether signing is set up at all; ingest refuses `sign: true` when it is not. Never changes. */
  readonly configured: boolean;
  /**
   * The secrets to sign with now, each `whsec_…`, newest first, never empty when `configured`.
   * Rejects when they cannot be read; a delivery then fails like one whose store is down.
   */
  current(): Promise<readonly string[]>;
}

/** A fixed list, as HERALD_SIGNING_SECRETS gives it (validated by the configuration). */
export function staticSigningSecrets(secrets: readonly string[]): SigningSecrets {
  const list = Object.freeze([...secrets]);
  return {
    configured: list.length > 0,
    current: async () => list,
  };
}
