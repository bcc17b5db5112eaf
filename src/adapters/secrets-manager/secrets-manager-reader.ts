import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BackendUnavailableError } from '../../domain/errors.js';
import { type AwsClientConfig, commonOptions } from '../aws-clients.js';

type Sdk = typeof import('@aws-sdk/client-secrets-manager');

/**
 * Reads a secret's string value. The SDK package is loaded on the first read, not when this module
 * is: the node server's bundle keeps it external, and the SQLite mode (no secret ARN) should not pay
 * its start-up time and memory. A failed read is a BackendUnavailableError.
 */
export class SecretsManagerReader {
  private connection: Promise<{ sdk: Sdk; client: SecretsManagerClient }> | undefined;
  private closed = false;

  constructor(private readonly client: AwsClientConfig) {}

  /** The secret's SecretString; undefined for a secret holding only a binary value. */
  async secretString(secretId: string): Promise<string | undefined> {
    try {
      const { sdk, client } = await this.connect();
      const output = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
      return output.SecretString;
    } catch (error) {
      throw new BackendUnavailableError('Secrets Manager', error);
    }
  }

  /** Releases the client's sockets; the instance is unusable after. */
  close(): void {
    this.closed = true;
    void this.connection?.then(
      ({ client }) => client.destroy(),
      () => undefined,
    );
  }

  private connect(): Promise<{ sdk: Sdk; client: SecretsManagerClient }> {
    if (this.closed) return Promise.reject(new Error('the Secrets Manager reader is closed'));
    this.connection ??= import('@aws-sdk/client-secrets-manager').then((sdk) => ({
      sdk,
      client: new sdk.SecretsManagerClient(commonOptions(this.client)),
    }));
    return this.connection;
  }
}
