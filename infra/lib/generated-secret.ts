import { RemovalPolicy } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';

export interface GeneratedSecretProps {
  description: string;
  /** Letters and digits only (no punctuation, no space), this many of them. */
  length: number;
  /** Why it is not rotated on a schedule (cdk-nag's AwsSolutions-SMG4 asks). */
  whyNotRotated: string;
}

/**
 * A Secrets Manager secret whose value CloudFormation generates at deploy time, so no secret is ever
 * in the template. Retained when the stack goes: what it protects outlives the stack (receivers hold
 * copies of signing secrets; sealed keys open only under the secrets key).
 */
export function generatedSecret(scope: Construct, props: GeneratedSecretProps): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'Secret', {
    description: props.description,
    generateSecretString: { passwordLength: props.length, excludePunctuation: true, includeSpace: false },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  NagSuppressions.addResourceSuppressions(secret, [{ id: 'AwsSolutions-SMG4', reason: props.whyNotRotated }]);
  return secret;
}
