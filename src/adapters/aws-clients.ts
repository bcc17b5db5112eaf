import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadS3Sdk } from './s3/load-s3-sdk.js';

/** Where and how to reach one AWS service. The caller reads the environment; this module does not. */
export interface AwsClientConfig {
  region: string;
  /** A local engine (dynalite, fauxqs, s3rver) or another non-default endpoint; omit for the real service. */
  endpoint?: string;
  /** Static credentials, e.g. fake ones for local engines; omit to use the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** TCP connect timeout. Default 3 s: a backend that does not accept a connection by then is down. */
  connectionTimeoutMs?: number;
  /** Timeout of one HTTP request once connected. Default 10 s; SqsQueue raises it per long poll. */
  requestTimeoutMs?: number;
  /** Attempts the SDK makes per call, the first included (its standard retry with backoff). Default 3. */
  maxAttempts?: number;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** The client options every Herald AWS client shares; exported for clients built elsewhere. */
export function commonOptions(config: AwsClientConfig) {
  return {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: config.maxAttempts ?? 3,
    // The SDK builds its NodeHttpHandler from these options; without them a black-holed connection
    // would hang a Lambda until its own timeout. This SDK version only logs a warning when a request
    // exceeds requestTimeout unless throwOnRequestTimeout is set.
    requestHandler: {
      connectionTimeout: config.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout: config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
}

export function createDynamoDbClient(config: AwsClientConfig): DynamoDBClient {
  return new DynamoDBClient(commonOptions(config));
}

export function createSqsClient(config: AwsClientConfig): SQSClient {
  return new SQSClient(commonOptions(config));
}

/**
 * An S3 client's options. A local engine is reached by path (`<endpoint>/<bucket>/<key>`): a bucket's
 * subdomain of 127.0.0.1 would not resolve. The real service gets its default, the bucket as a
 * subdomain.
 */
export function s3ClientOptions(config: AwsClientConfig): S3ClientConfig {
  return { ...commonOptions(config), forcePathStyle: config.endpoint !== undefined };
}

/**
 * The S3 client, made on the first `get`, when the S3 SDK is loaded (load-s3-sdk.ts): only a large
 * body needs it, and a container that never meets one never pays for loading it.
 */
export class LazyS3Client {
  private client: Promise<S3Client> | undefined;

  constructor(private readonly config: AwsClientConfig) {}

  get(): Promise<S3Client> {
    this.client ??= loadS3Sdk().then(({ S3Client }) => new S3Client(s3ClientOptions(this.config)));
    return this.client;
  }

  /** Releases the client's sockets, if it was made. */
  destroy(): void {
    void this.client?.then(
      (client) => client.destroy(),
      () => undefined,
    );
  }
}

/**
 * Credentials that local engines accept: dynalite and fauxqs check no signatures, and this is the one
 * key pair s3rver knows (it checks the key, not the signature).
 */
export const LOCAL_ENGINE_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
