import { SecretsManagerSigningSecrets } from '../adapters/secrets-manager/secrets-manager-signing-secrets.js';
import type { HeraldConfig } from '../config.js';
import { type SigningSecrets, staticSigningSecrets } from '../ports/signing-secrets.js';

/**
 * A value read from Secrets Manager is used this long, then read again: a rotation reaches every
 * worker within five minutes without a deploy, for one GetSecretValue per container per five minutes.
 */
export const SIGNING_SECRETS_CACHE_MS = 5 * 60_000;

export interface OpenedSigningSecrets {
  secrets: SigningSecrets;
  /** Releases the Secrets Manager client's sockets, if there is one. */
  close(): void;
}

/** The secrets HERALD_SIGNING_SECRET_ARN names, else the HERALD_SIGNING_SECRETS list (possibly empty). */
export function openSigningSecrets(config: HeraldConfig): OpenedSigningSecrets {
  const secretId = config.signingSecretArn;
  if (secretId === undefined) return { secrets: staticSigningSecrets(config.signingSecrets), close() {} };
  const secrets = new SecretsManagerSigningSecrets({
    client: { region: config.aws.region ?? 'us-east-1', endpoint: config.aws.secretsManagerEndpoint },
    secretId,
    cacheMs: SIGNING_SECRETS_CACHE_MS,
  });
  return { secrets, close: () => secrets.close() };
}
