import { HeraldError } from '../../domain/errors.js';
import { secretsKeyFromText } from '../../domain/secret-box.js';
import type { SecretsKey } from '../../ports/secrets-key.js';
import type { AwsClientConfig } from '../aws-clients.js';
import { SecretsManagerReader } from './secrets-manager-reader.js';

/**
 * The secrets key held in a Secrets Manager secret (the CDK stack's, HERALD_SECRETS_KEY_ARN). Its
 * value is what Secrets Manager generated, a random string: the 32-byte key is derived from it with
 * HKDF (secretsKeyFromText), unless it is already 32 bytes in base64. Read once per container (the key
 * never changes under data sealed with it); a failed read is not kept, the next use tries again.
 */
export class SecretsManagerSecretsKey implements SecretsKey {
  private readonly reader: SecretsManagerReader;
  private key: Promise<Uint8Array> | undefined;

  constructor(
    client: AwsClientConfig,
    private readonly secretId: string,
  ) {
    this.reader = new SecretsManagerReader(client);
  }

  read(): Promise<Uint8Array> {
    if (this.key === undefined) {
      const reading = this.reader.secretString(this.secretId).then((value) => {
        if (value === undefined || value.trim() === '') {
          throw new HeraldError('SYSTEM_ERROR', `The secrets key ${this.secretId} holds no string value`);
        }
        return secretsKeyFromText(value);
      });
      reading.catch(() => {
        if (this.key === reading) this.key = undefined;
      });
      this.key = reading;
    }
    return this.key;
  }

  close(): void {
    this.reader.close();
  }
}
