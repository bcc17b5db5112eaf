import { describe, expect, it } from 'vitest';
import { classifyExchange, type HttpExchange } from '../../src/domain/outcome.js';

const TIMESTAMP = '2025-01-01T00:00:00.000Z';
const CORRELATION_ID = '0f8e4a52-6a8f-4c57-9a3e-2f1d7a1c9b10';

function response(statusCode: number, overrides: Partial<Extract<HttpExchange, { kind: 'response' }>> = {}) {
  return {
    kind: 'response',
    statusCode,
    statusText: `status ${statusCode}`,
    retryAfter: null,
    body: `body of ${statusCode}`,
    responseTimeMs: 25,
    ...overrides,
  } satisfies HttpExchange;
}

function failure(reason: 'TIMEOUT' | 'NETWORK' | 'BLOCKED_TARGET', code: string, message: string): HttpExchange {
  return { kind: 'failure', reason, code, message, responseTimeMs: 10_000 };
}

const classify = (exchange: HttpExchange) => classifyExchange(exchange, TIMESTAMP, CORRELATION_ID);

describe('classifyExchange (docs/design.md §1 (outcomes))', () => {
  it.each([200, 201, 202, 204, 299])('%i is SUCCESS', (statusCode) => {
    expect(classify(response(statusCode, { statusText: 'OK', responseTimeMs: 42 }))).toEqual({
      success: true,
      retryEligible: false,
      category: 'SUCCESS',
      statusCode,
      statusText: 'OK',
      responseTime: 42,
      errorDetails: null,
      timestamp: TIMESTAMP,
      correlationId: CORRELATION_ID,
    });
  });

  it.each([408, 425, 500, 502, 503, 504, 599])('%i is a retryable SERVER_ERROR', (statusCode) => {
    const result = classify(response(statusCode));
    expect(result).toMatchObject({ success: false, retryEligible: true, category: 'SERVER_ERROR', statusCode });
    expect(result.errorDetails).toMatchObject({ code: `HTTP_${statusCode}`, category: 'SERVER_ERROR' });
  });

  it('429 is a retryable RATE_LIMITED', () => {
    const result = classify(response(429, { statusText: 'Too Many Requests', retryAfter: '30' }));
    expect(result).toMatchObject({
      success: false,
      retryEligible: true,
      category: 'RATE_LIMITED',
      statusCode: 429,
      statusText: 'Too Many Requests',
    });
    expect(result.errorDetails).toEqual({
      code: 'HTTP_429',
      message: expect.any(String),
      category: 'RATE_LIMITED',
      responseBody: 'body of 429',
    });
  });

  it.each([400, 401, 403, 404, 409, 410, 413, 422, 451, 499])('%i is a CLIENT_ERROR, not retried', (statusCode) => {
    const result = classify(response(statusCode));
    expect(result).toMatchObject({ success: false, retryEligible: false, category: 'CLIENT_ERROR', statusCode });
    expect(result.errorDetails).toMatchObject({ code: `HTTP_${statusCode}`, category: 'CLIENT_ERROR' });
  });

  it.each([301, 302, 303, 304, 307, 308])('%i is a CLIENT_ERROR: redirects are not followed', (statusCode) => {
    const result = classify(response(statusCode));
    expect(result).toMatchObject({ success: false, retryEligible: false, category: 'CLIENT_ERROR', statusCode });
    expect(result.errorDetails?.code).toBe(`HTTP_${statusCode}`);
    expect(result.errorDetails?.message).toMatch(/redirect/i);
  });

  it('keeps the vendor body, the status text and the response time of a failed response', () => {
    const result = classify(
      response(503, { statusText: 'Service Unavailable', body: '{"error":"busy"}', responseTimeMs: 1234 }),
    );
    expect(result).toEqual({
      success: false,
      retryEligible: true,
      category: 'SERVER_ERROR',
      statusCode: 503,
      statusText: 'Service Unavailable',
      responseTime: 1234,
      errorDetails: {
        code: 'HTTP_503',
        message: expect.stringContaining('503'),
        category: 'SERVER_ERROR',
        responseBody: '{"error":"busy"}',
      },
      timestamp: TIMESTAMP,
      correlationId: CORRELATION_ID,
    });
  });

  it('a timeout is a retryable TIMEOUT', () => {
    expect(classify(failure('TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'no response within 5000 ms'))).toEqual({
      success: false,
      retryEligible: true,
      category: 'TIMEOUT',
      statusCode: null,
      statusText: null,
      responseTime: 10_000,
      errorDetails: {
        code: 'UND_ERR_HEADERS_TIMEOUT',
        message: 'no response within 5000 ms',
        category: 'TIMEOUT',
        responseBody: null,
      },
      timestamp: TIMESTAMP,
      correlationId: CORRELATION_ID,
    });
  });

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 203.0.113.7:443'],
    ['ECONNRESET', 'socket hang up'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND hooks.example.invalid'],
  ])('a network failure (%s) is a retryable NETWORK_ERROR', (code, message) => {
    const result = classify(failure('NETWORK', code, message));
    expect(result).toMatchObject({ success: false, retryEligible: true, category: 'NETWORK_ERROR', statusCode: null });
    expect(result.errorDetails).toEqual({ code, message, category: 'NETWORK_ERROR', responseBody: null });
  });

  it('a blocked target is a BLOCKED_TARGET, not retried', () => {
    const result = classify(failure('BLOCKED_TARGET', 'BLOCKED_ADDRESS', '10.0.0.1 is a private address'));
    expect(result).toMatchObject({
      success: false,
      retryEligible: false,
      category: 'BLOCKED_TARGET',
      statusCode: null,
    });
    expect(result.errorDetails).toEqual({
      code: 'BLOCKED_ADDRESS',
      message: '10.0.0.1 is a private address',
      category: 'BLOCKED_TARGET',
      responseBody: null,
    });
  });

  it('passes the timestamp and correlation id through untouched', () => {
    for (const exchange of [response(200), response(503), failure('NETWORK', 'ECONNRESET', 'reset')]) {
      const result = classifyExchange(exchange, '2031-12-31T23:59:59.999Z', 'corr-42');
      expect(result.timestamp).toBe('2031-12-31T23:59:59.999Z');
      expect(result.correlationId).toBe('corr-42');
    }
  });
});
