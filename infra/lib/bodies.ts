import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { BODY_OBJECT_RETENTION_DAYS } from '../../src/adapters/dynamodb/request-bodies.js';

/** The variable that names the bucket to the handlers (src/config.ts). */
const BODY_BUCKET_VARIABLE = 'HERALD_BODY_BUCKET';

/**
 * The bucket for bodies too large to keep in the table cheaply (src/adapters/dynamodb/request-bodies.ts):
 * one object per body, written by ingest before the record that names it, read by the worker and by
 * the API's reads, and written again (the same bytes) when a notification still to be delivered is
 * renewed late in its life (src/adapters/dynamodb/retention.ts).
 *
 * - Objects expire BODY_OBJECT_RETENTION_DAYS after they were last written: the table's TTL and a week
 *   for DynamoDB to get round to deleting the item, so no readable record names an object that is gone.
 * - No versioning: a key is derived from the body it holds, so the only overwrites write the same
 *   bytes again, and nothing but the lifecycle rule deletes. Versions would keep no other data, only
 *   cost: a rewrite would keep a second copy, and expired objects would linger as noncurrent versions.
 * - SSE-S3 encryption rather than KMS: KMS bills each PutObject and GetObject (its per-request price
 *   would cost more than the bodies' S3 requests), and bucket keys would only soften it.
 * - Private: public access blocked, ACLs disabled, plain HTTP refused. Retained with the stack, like
 *   the table whose records name the objects.
 */
export class HeraldBodies extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      lifecycleRules: [{ id: 'ExpireWithTheirRecords', expiration: Duration.days(BODY_OBJECT_RETENTION_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason:
          'No server access logs: only Herald\u2019s own functions reach the bucket, one PutObject and a few GetObjects per large notification, so the log would restate the functions\u2019 traffic at the price of a second bucket. CloudTrail data events can be turned on for an audit.',
      },
    ]);
  }

  /**
   * Names the bucket to `fn` (every handler's configuration needs it) and lets it do exactly
   * `actions` on the bucket's objects: none, PutObject, GetObject.
   */
  grantObjects(fn: lambda.Function, actions: ('s3:PutObject' | 's3:GetObject')[]): void {
    fn.addEnvironment(BODY_BUCKET_VARIABLE, this.bucket.bucketName);
    if (actions.length === 0) return;
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [this.bucket.arnForObjects('*')] }));
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    // On the policy CDK attaches to the function's role, which now holds the statement.
    NagSuppressions.addResourceSuppressions(
      fn.role?.node.findChild('DefaultPolicy') as Construct,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Object actions on the body bucket name its objects as <bucket ARN>/*: keys are notification ids and body hashes, unknown in advance. The bucket holds nothing else, and the actions are PutObject and GetObject only.',
          appliesTo: [`Resource::<${bucketId}.Arn>/*`],
        },
      ],
      true,
    );
  }
}
