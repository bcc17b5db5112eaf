import type { S3Client } from '@aws-sdk/client-s3';
import { BackendUnavailableError } from '../../domain/errors.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { loadS3Sdk } from './load-s3-sdk.js';

export interface S3ObjectStoreOptions {
  /** The client, possibly made on the first call (LazyS3Client). */
  client: () => Promise<S3Client>;
  bucket: string;
}

/**
 * An ObjectStore on one S3 bucket. Every SDK error, a missing key included, leaves as
 * BackendUnavailableError (STYLE.md practice 4); the SDK has already retried what it retries.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: () => Promise<S3Client>;
  private readonly bucket: string;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
  }

  async put(key: string, text: string): Promise<void> {
    try {
      const [client, { PutObjectCommand }] = await Promise.all([this.client(), loadS3Sdk()]);
      await client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: text,
          ContentType: 'application/json; charset=utf-8',
        }),
      );
    } catch (error) {
      throw new BackendUnavailableError('s3', error);
    }
  }

  async get(key: string): Promise<string> {
    try {
      const [client, { GetObjectCommand }] = await Promise.all([this.client(), loadS3Sdk()]);
      const output = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!output.Body) throw new Error(`object ${key} came back without a body`);
      // Inside the try: the body streams after the headers, and a connection lost mid-way is an outage too.
      return await output.Body.transformToString('utf-8');
    } catch (error) {
      throw new BackendUnavailableError('s3', error);
    }
  }
}
