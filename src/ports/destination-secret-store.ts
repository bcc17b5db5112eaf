/**
 * A destination's secrets, kept apart from its DestinationRecord (which the delivery gate rewrites on
 * every change of state, and reads show). Every secret in here is sealed (secret-box.ts): the store
 * never sees one in the clear. Signing keys today; a vendor's credentials go beside them.
 */
export interface DestinationSecrets {
  /** The origin, as `destinationOf` writes it. */
  destination: string;
  /** The destination's own signing keys, newest first. */
  signing: SealedSigningSecret[];
  /**
   * Until when (ISO 8601) the keys derived from HERALD_SIGNING_SECRETS still sign beside the
   * destination's own: set when its first own key is made, so its receiver has time to switch.
   */
  derivedSigningUntil?: string;
  /** Bumped by every write; a write names the version it read (0: none yet). */
  version: number;
}

export interface SealedSigningSecret {
  /** The `whsec_…` key, sealed for this destination. */
  sealed: string;
  createdAt: string;
  /** When it stops signing (ISO 8601); absent on the newest. */
  expiresAt?: string;
}

/**
 * Where destinations' secrets live. A write is conditional on the version read, so two operators
 * rotating one destination at once never lose a key: the loser gets undefined and reads again.
 * Backend failures surface as BackendUnavailableError.
 */
export interface DestinationSecretStore {
  get(destination: string): Promise<DestinationSecrets | undefined>;

  /** Stores `secrets` as version `expectedVersion + 1` if the stored one is `expectedVersion`; what was stored. */
  put(secrets: DestinationSecrets, expectedVersion: number): Promise<DestinationSecrets | undefined>;
}
