import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { generatedSecret } from './generated-secret.js';

/**
 * Letters and digits only (no punctuation, no space), 44 of them: every such string is standard
 * base64 of 33 bytes without padding, so the value CloudFormation generates is a valid Standard
 * Webhooks key as it is. The handlers read an entry without `whsec_` as `whsec_<entry>`.
 */
export const GENERATED_SECRET_LENGTH = 44;

/**
 * The Standard Webhooks signing secrets (README, Signed deliveries) in Secrets Manager. Its value is generated at
 * deploy time, so no secret is ever in the template; it holds a comma-separated list, newest first,
 * and operators rotate it by hand (docs/operations.md): the worker reads it again within five minutes.
 */
export class HeraldSigningSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Receivers hold copies of it: deleting the stack must not break every receiver's verification.
    this.secret = generatedSecret(this, {
      description: 'Herald: Standard Webhooks signing secrets (comma-separated, newest first; whsec_ prefix optional)',
      length: GENERATED_SECRET_LENGTH,
      whyNotRotated:
        'Not rotated by a Lambda on a schedule on purpose: every receiver must be given the new key before it is used alone, so rotation is an operator procedure (add the new key first, keep the old, remove it later; docs/operations.md).',
    });
  }
}
