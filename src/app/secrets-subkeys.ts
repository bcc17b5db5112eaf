import { type SecretsKeyPurpose, secretsSubkey } from '../domain/secret-box.js';
import type { SecretsKey } from '../ports/secrets-key.js';

/**
 * The subkeys of HERALD_SECRETS_KEY, each made once: the key is read on the first use (on Lambda that
 * waits on Secrets Manager once per container). A failed read is not kept: the next use tries again.
 */
export class SecretsSubkeys {
  private readonly made = new Map<SecretsKeyPurpose, Promise<Buffer>>();

  constructor(private readonly key: SecretsKey) {}

  forPurpose(purpose: SecretsKeyPurpose): Promise<Buffer> {
    let subkey = this.made.get(purpose);
    if (subkey === undefined) {
      subkey = this.key.read().then((key) => secretsSubkey(key, purpose));
      subkey.catch(() => this.made.delete(purpose));
      this.made.set(purpose, subkey);
    }
    return subkey;
  }
}
