import { LIMITS } from '../../domain/request-schema.js';

/*
 * How the deployed stack runs the handlers, in one place: infra/ builds the CDK stack from these
 * numbers and start:aws-local plays the same functions, queues and schedule from them, so the two
 * cannot drift. Plain numbers, no CDK types: src/ must not load aws-cdk-lib.
 */

/**
 * The worker runs up to ten deliveries of a batch concurrently, each bounded by the longest attempt
 * timeout a request may ask for (60 s), plus store writes before and after: 30 s of headroom, without
 * letting a stuck invocation hold its messages for long.
 */
const WORKER_TIMEOUT_SECONDS = Math.ceil(LIMITS.maxTimeoutMs / 1000) + 30;

/** Each function's timeout and memory. */
export const LAMBDA_FUNCTIONS = {
  // HTTP API integrations give up after 30 s; a healthy request takes milliseconds.
  ingest: { timeoutSeconds: 10, memoryMb: 512 },
  worker: { timeoutSeconds: WORKER_TIMEOUT_SECONDS, memoryMb: 512 },
  // Shorter than the one-minute schedule, so runs do not pile up.
  sweeper: { timeoutSeconds: 50, memoryMb: 256 },
} as const;

/** The worker's SQS event source mapping. */
export const WORKER_EVENT_SOURCE = {
  batchSize: 10,
  /**
   * Wait up to a second to fill a batch: at low traffic it adds at most a second to delivery, at high
   * traffic batches fill before it runs out and each invocation delivers ten notifications.
   */
  maxBatchingWindowSeconds: 1,
} as const;

export const DELIVERY_QUEUE = {
  /** AWS guidance for SQS event sources: visibility timeout at least six times the function timeout. */
  visibilityTimeoutSeconds: WORKER_TIMEOUT_SECONDS * 6,
  /** A poison message (one the worker fails on five receives in a row) moves to the DLQ. */
  maxReceiveCount: 5,
  /**
   * Retries are re-sent delayed copies, not redeliveries, so nothing waits here for long: 4 days (the
   * SQS default) covers a worker outage over a long weekend.
   */
  retentionDays: 4,
} as const;

/**
 * The FIFO queue of notifications with an ordering key (one message group per key). No dead-letter
 * queue: a retry or a hold keeps its message in flight (postponed), so receives count attempts and
 * held-back looks, not failures, and a head held by a paused destination (a look every 20 s) would
 * reach any threshold (SQS's maximum, 1,000, in under six hours) and leave its key's line. What ends
 * a message the worker keeps failing on instead: the notification's budget of attempts (a worker that
 * keeps dying on it records each try as an interrupted attempt), the drop of a message naming no
 * notification (third receive), and the queue's retention. docs/design.md §9 has the whole argument.
 */
export const ORDERED_QUEUE = {
  visibilityTimeoutSeconds: DELIVERY_QUEUE.visibilityTimeoutSeconds,
  /** A retried head stays in its queue until final: the longest SQS keeps a message. */
  retentionDays: 14,
} as const;

/**
 * The worker's event source on the ordered queue: one message per invocation, so nothing of a key
 * waits behind another key's slow attempt in the same batch; Lambda runs one invocation per key
 * with work, up to its concurrency.
 */
export const ORDERED_EVENT_SOURCE = { batchSize: 1 } as const;

/** A dead letter stays 14 days (SQS's maximum) for an operator to look at. */
export const DEAD_LETTER_QUEUE = { retentionDays: 14 } as const;

/** The sweeper runs on a schedule (EventBridge): every this many minutes. */
export const SWEEPER_SCHEDULE = { rateMinutes: 1 } as const;
