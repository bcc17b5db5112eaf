import { SecretsManagerSecretsKey } from '../adapters/secrets-manager/secrets-manager-secrets-key.js';
import type { HeraldConfig } from '../config.js';
import { fixedSecretsKey, type SecretsKey } from '../ports/secrets-key.js';

export interface OpenedSecretsKey {
  key: SecretsKey;
  /** Releases the Secrets Manager client's sockets, if there is one. */
  close(): void;
}

/**
 * The secrets key where many processes must share it (AWS): HERALD_SECRETS_KEY, else the Secrets
 * Manager secret HERALD_SECRETS_KEY_ARN names (the CDK stack's). Without either there is no key every
 * Lambda container would agree on, so nothing starts.
 */
export function openSharedSecretsKey(config: HeraldConfig): OpenedSecretsKey {
  if (config.secretsKey !== undefined)
    return { key: fixedSecretsKey(Buffer.from(config.secretsKey, 'base64')), close() {} };
  if (config.secretsKeyArn === undefined) {
    throw new Error(
      'HERALD_BACKEND=aws needs HERALD_SECRETS_KEY or HERALD_SECRETS_KEY_ARN: every process must seal and open secrets under one key',
    );
  }
  const key = new SecretsManagerSecretsKey(
    { region: config.aws.region ?? 'us-east-1', endpoint: config.aws.secretsManagerEndpoint },
    config.secretsKeyArn,
  );
  return { key, close: () => key.close() };
}
