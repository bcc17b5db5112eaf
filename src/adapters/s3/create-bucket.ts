import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Creates the bucket for large bodies. For local engines and tests; in AWS the CDK stack owns the
 * bucket, with its lifecycle rule, encryption and access policy (local engines keep everything in a
 * temporary directory that goes when they stop).
 */
export async function createBodyBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}
