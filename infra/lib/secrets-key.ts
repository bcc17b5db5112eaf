import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { generatedSecret } from './generated-secret.js';

/**
 * Letters and digits, 64 of them (about 380 bits): not 32 bytes of base64, so the handlers derive
 * the 32-byte key from the whole value with HKDF-SHA256 (secretsKeyFromText).
 */
export const GENERATED_KEY_LENGTH = 64;

/**
 * The key destinations' secrets are sealed under (AES-256-GCM) and notification ids are derived with
 * (README, Secrets at rest), in Secrets Manager. Generated at deploy time, so it is never in the
 * template; ingest and the worker read it once per container.
 */
export class HeraldSecretsKey extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Every destination's own signing key is sealed under it: losing it loses them all.
    this.secret = generatedSecret(this, {
      description: "Herald: the key destinations' secrets are sealed under (never rotate: they would not open)",
      length: GENERATED_KEY_LENGTH,
      whyNotRotated:
        "Never rotated: the secrets sealed under it would no longer open, and notification ids derived with it would change (docs/operations.md). Rotating a receiver's key is done per destination instead.",
    });
  }
}
