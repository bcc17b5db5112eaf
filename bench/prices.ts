/**
 * AWS us-east-1 on-demand prices the cost estimate uses, in US dollars, as of PRICES_DATE. Change
 * them here, with the date, when AWS changes them; nothing else in the benchmark holds a price.
 */
export const PRICES_DATE = '2026-11-22';
export const PRICES_REGION = 'us-east-1';

export const PRICES = {
  /** DynamoDB on-demand: per write request unit (1 KB of item written; both item sizes for an update). */
  dynamoDbWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand: per read request unit (4 KB strongly consistent; eventually consistent is half). */
  dynamoDbReadUnit: 0.125 / 1e6,
  /** SQS standard queue: per request; every 64 KB chunk of a request's payload is billed as one request. */
  sqsRequest: 0.4 / 1e6,
  /** SQS FIFO queue (ordered delivery): per request, billed in 64 KB chunks like the standard queue. */
  sqsFifoRequest: 0.5 / 1e6,
  /** Lambda: per invocation. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda duration on arm64 (Graviton), first tier: per GB-second, billed in 1 ms increments. */
  lambdaGbSecondArm64: 0.0000133334,
  /** API Gateway HTTP API: per request, first 300 million a month, metered in 512 KB increments. */
  httpApiRequest: 1.0 / 1e6,
  /**
   * S3 Standard: per PUT (with COPY, POST and LIST: $0.005 per 1,000) and per GET ($0.0004 per 1,000),
   * whatever the object's size up to 5 GB; transfer to Lambda in the same region is free. AWS's
   * published us-east-1 prices, https://aws.amazon.com/s3/pricing/ ("Requests & data retrievals").
   */
  s3PutRequest: 0.005 / 1e3,
  s3GetRequest: 0.0004 / 1e3,
} as const;

/** How SQS bills a request's payload. */
export const SQS_BILLING_CHUNK_BYTES = 64 * 1024;
/** How HTTP API meters a request. */
export const HTTP_API_METERING_BYTES = 512 * 1024;

/**
 * The deployment the estimate prices, as infra/lib/functions.ts defines it: arm64 functions, the
 * ingest and worker functions at 512 MB, the worker fed by an SQS event source of batch size 10.
 */
export const LAMBDA_DEPLOYMENT = {
  architecture: 'arm64',
  ingestMemoryMb: 512,
  workerMemoryMb: 512,
  sweeperMemoryMb: 256,
  /** Messages per worker invocation and per event-source ReceiveMessage / DeleteMessageBatch at load. */
  eventSourceBatchSize: 10,
  /** The same for the ordered (FIFO) queue's event source: one message per invocation. */
  orderedEventSourceBatchSize: 1,
} as const;
