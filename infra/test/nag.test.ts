import { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { synthesize } from './support.js';

const nag = Match.stringLikeRegexp('AwsSolutions-');

interface Suppression {
  id: string;
  reason: string;
  applies_to?: unknown[];
}

describe('cdk-nag AwsSolutionsChecks', () => {
  const { stack } = synthesize();
  const annotations = Annotations.fromStack(stack);

  it('reports no unsuppressed error', () => {
    expect(annotations.findError('*', nag).map((e) => `${e.id}: ${String(e.entry.data)}`)).toEqual([]);
  });

  it('reports no unsuppressed warning', () => {
    expect(annotations.findWarning('*', nag).map((e) => `${e.id}: ${String(e.entry.data)}`)).toEqual([]);
  });

  it('has only the suppressions we mean, each with a written reason', () => {
    const suppressions = stack.node
      .findAll()
      .filter(CfnResource.isCfnResource)
      .flatMap(
        (r) => (r.getMetadata('cdk_nag') as { rules_to_suppress?: Suppression[] } | undefined)?.rules_to_suppress ?? [],
      );
    expect([...new Set(suppressions.map((s) => s.id))].sort()).toEqual([
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    for (const s of suppressions) expect(s.reason.length).toBeGreaterThan(60);
    // The wildcard allowed is the body bucket's key, on the two roles that use its objects, and nothing else.
    const bucketId = stack.getLogicalId(stack.bodies.bucket.node.defaultChild as CfnResource);
    const wildcards = suppressions.filter((s) => s.id === 'AwsSolutions-IAM5');
    expect(wildcards).toHaveLength(2);
    for (const s of wildcards) expect(s.applies_to).toEqual([`Resource::<${bucketId}.Arn>/*`]);
    // The one queue without a DLQ is the ordered one, on purpose.
    const withoutDlq = stack.node
      .findAll()
      .filter(CfnResource.isCfnResource)
      .filter((r) =>
        ((r.getMetadata('cdk_nag') as { rules_to_suppress?: Suppression[] } | undefined)?.rules_to_suppress ?? []).some(
          (s) => s.id === 'AwsSolutions-SQS3',
        ),
      );
    expect(withoutDlq.map((r) => r.node.path)).toEqual(['Herald/Data/OrderedDeliveryQueue/Resource']);
  });

  it('is applied by the app itself, and an unsuppressed finding fails synthesis', () => {
    expect(() => synthesize({}, {}, (s) => new sqs.Queue(s, 'PlainQueue'))).toThrow(
      /AwsSolutions-SQS4[\s\S]*Herald\/PlainQueue/,
    );
  });
});
