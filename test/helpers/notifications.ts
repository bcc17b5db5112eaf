import { randomUUID } from 'node:crypto';
import {
  type DeliveryAttempt,
  type DeliveryResult,
  type Notification,
  type NotificationRequest,
  newNotification,
} from '../../src/domain/notification.js';

/** A valid, freshly ingested PENDING notification; `createdAt` and `lastUpdatedAt` are equal. */
export function makeNotification(overrides: Partial<Notification> = {}): Notification {
  const now = overrides.createdAt ?? new Date().toISOString();
  const request: NotificationRequest = {
    url: 'http://127.0.0.1:9/hook',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: { event: 'test' },
    idempotencyKey: null,
    maxAttempts: 3,
    timeoutMs: 5000,
    metadata: null,
    sign: false,
    orderingKey: null,
  };
  const url = overrides.url ?? request.url;
  return {
    ...newNotification({ ...request, url }, randomUUID(), now, 'test-request-hash', 'default'),
    ...overrides,
  };
}

/** A delivery result; by default answered 503 (retryable). */
export function makeResult(overrides: Partial<DeliveryResult> = {}): DeliveryResult {
  return {
    success: false,
    retryEligible: true,
    category: 'SERVER_ERROR',
    statusCode: 503,
    statusText: 'Service Unavailable',
    responseTime: 12,
    errorDetails: { code: 'HTTP_503', message: 'Vendor answered 503', category: 'SERVER_ERROR', responseBody: 'busy' },
    timestamp: new Date().toISOString(),
    correlationId: randomUUID(),
    ...overrides,
  };
}

/** What makes a result a success (2xx). */
const SUCCESS = {
  success: true,
  retryEligible: false,
  category: 'SUCCESS',
  statusCode: 200,
  statusText: 'OK',
  errorDetails: null,
} satisfies Partial<DeliveryResult>;

export function makeSuccessResult(overrides: Partial<DeliveryResult> = {}): DeliveryResult {
  return makeResult({ ...SUCCESS, ...overrides });
}

/** A delivery attempt; by default the first one, answered 503 (retryable). */
export function makeAttempt({ attempt = 1, ...result }: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { attempt, ...makeResult(result) };
}

/** A successful attempt (2xx). */
export function makeSuccessAttempt(overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return makeAttempt({ ...SUCCESS, ...overrides });
}

/** Repeats `unit` until it is `bytes` bytes of UTF-8 (its JSON text, with escapes, is longer). */
function grow(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit, 'utf8')));
}

export interface LargeBody {
  kind: 'string' | 'object' | 'array';
  body: unknown;
}

/**
 * Bodies of at least `bytes` bytes, as JSON text and as sent, one of each kind the API takes. The string holds
 * multi-byte characters (2, 3 and 4 bytes), quotes, backslashes and control characters: the bytes a
 * vendor must receive exactly. The object has a `__proto__` key (kept as the caller's own key, as the
 * request schema keeps it), non-ASCII keys and nesting; the array mixes every JSON type.
 */
export function largeBodies(bytes: number): [LargeBody, LargeBody, LargeBody] {
  const text = grow('ascii é € 😀 "quoted" back\\slash\n\ttab\u0000nul\u2028 ', bytes);
  const object = JSON.parse(
    JSON.stringify({ clé: 'valeur', nested: { deeper: { list: [1, 'two', null, false] } } }).replace(
      '{',
      '{"__proto__":{"kept":true},',
    ),
  ) as Record<string, unknown>;
  object.filler = grow('données ', bytes);
  const array: unknown[] = [];
  while (Buffer.byteLength(JSON.stringify(array), 'utf8') < bytes)
    array.push(array.length, 'é', null, true, { n: 1.5 });
  return [
    { kind: 'string', body: text },
    { kind: 'object', body: object },
    { kind: 'array', body: array },
  ];
}
