import type { DeliveryResult, OutcomeCategory } from './notification.js';

/** What happened on the wire for one attempt, as reported by the HTTP sender. */
export type HttpExchange =
  | {
      kind: 'response';
      statusCode: number;
      statusText: string;
      /** The `Retry-After` header, if the vendor sent one. */
      retryAfter: string | null;
      /** Response body decoded as UTF-8 and truncated to the configured limit. */
      body: string;
      responseTimeMs: number;
    }
  | {
      kind: 'failure';
      reason: 'TIMEOUT' | 'NETWORK' | 'BLOCKED_TARGET';
      /** The low-level code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, …). */
      code: string;
      message: string;
      responseTimeMs: number;
    };

/**
 * The attempt a lost claim stood for: its worker stopped (a crash, a kill, a lapsed lease) after it
 * claimed and before it recorded an outcome, so the vendor may or may not have received it. Recorded
 * by the next claim, it counts against the budget, so a notification whose delivery keeps killing its
 * worker ends FAILED instead of looping.
 */
export function interruptedAttempt(timestamp: string, correlationId: string): DeliveryResult {
  return {
    success: false,
    retryEligible: true,
    category: 'INTERRUPTED',
    statusCode: null,
    statusText: null,
    responseTime: 0,
    errorDetails: {
      code: 'WORKER_LOST',
      message: 'The worker holding this attempt stopped before recording it; the vendor may have received it',
      category: 'INTERRUPTED',
      responseBody: null,
    },
    timestamp,
    correlationId,
  };
}

/** 408 Request Timeout and 425 Too Early say "try again"; 429 is rate limiting (docs/design.md §1 (outcomes)). */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Classifies one attempt per docs/design.md §1 (outcomes). Pure: the caller supplies the timestamp and correlation id. */
export function classifyExchange(exchange: HttpExchange, timestamp: string, correlationId: string): DeliveryResult {
  if (exchange.kind === 'failure') {
    const category: OutcomeCategory =
      exchange.reason === 'TIMEOUT'
        ? 'TIMEOUT'
        : exchange.reason === 'BLOCKED_TARGET'
          ? 'BLOCKED_TARGET'
          : 'NETWORK_ERROR';
    return {
      success: false,
      retryEligible: category !== 'BLOCKED_TARGET',
      category,
      statusCode: null,
      statusText: null,
      responseTime: exchange.responseTimeMs,
      errorDetails: { code: exchange.code, message: exchange.message, category, responseBody: null },
      timestamp,
      correlationId,
    };
  }

  const { statusCode, statusText } = exchange;
  const common = { statusCode, statusText, responseTime: exchange.responseTimeMs, timestamp, correlationId };
  if (statusCode >= 200 && statusCode < 300) {
    return { success: true, retryEligible: false, category: 'SUCCESS', errorDetails: null, ...common };
  }
  const retryable = statusCode >= 500 || RETRYABLE_4XX.has(statusCode);
  const category: OutcomeCategory = statusCode === 429 ? 'RATE_LIMITED' : retryable ? 'SERVER_ERROR' : 'CLIENT_ERROR';
  return {
    success: false,
    retryEligible: retryable,
    category,
    errorDetails: {
      code: `HTTP_${statusCode}`,
      message:
        statusCode >= 300 && statusCode < 400
          ? `Vendor answered ${statusCode} (redirects are not followed)`
          : `Vendor answered ${statusCode}`,
      category,
      responseBody: exchange.body,
    },
    ...common,
  };
}
