import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { redactLogFields } from '../../src/adapters/observability/log-redaction.js';
import { createPinoLogger } from '../../src/adapters/observability/pino-logger.js';
import { powertoolsLogger } from '../../src/adapters/observability/powertools.js';
import { REDACTED } from '../../src/domain/redaction.js';

const URL_WITH_SECRETS = 'https://vendor.example.com/hook?api_key=k-123&page=2&sig=abc';
const SAFE_URL = `https://vendor.example.com/hook?api_key=${REDACTED}&page=2&sig=${REDACTED}`;

const mistaken = () => ({
  notificationId: 'n-1',
  url: URL_WITH_SECRETS,
  headers: { Authorization: 'Bearer vendor-token' },
  request: { url: URL_WITH_SECRETS, authorization: 'Bearer t', method: 'POST' },
  attempt: 2,
});

describe('redactLogFields', () => {
  it('masks headers and authorization and redacts URLs, at the top level and one object down', () => {
    expect(redactLogFields(mistaken())).toEqual({
      notificationId: 'n-1',
      url: SAFE_URL,
      headers: REDACTED,
      request: { url: SAFE_URL, authorization: REDACTED, method: 'POST' },
      attempt: 2,
    });
  });

  it('returns the very object when there is nothing to redact, and never changes its argument', () => {
    const harmless = { notificationId: 'n-1', nested: { status: 'SUCCESS' }, err: new Error('x') };
    expect(redactLogFields(harmless)).toBe(harmless);
    const fields = mistaken();
    redactLogFields(fields);
    expect(fields).toEqual(mistaken());
  });
});

describe('the logger adapters', () => {
  it('pino writes no secret', () => {
    const lines: string[] = [];
    const logger = createPinoLogger('info', { write: (line: string) => lines.push(line) });
    logger.warn(mistaken(), 'a mistake');
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    for (const secret of ['k-123', 'abc', 'vendor-token', 'Bearer t']) expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({ msg: 'a mistake', url: SAFE_URL, request: { url: SAFE_URL } });
  });

  it('Powertools is handed no secret', () => {
    const calls: unknown[][] = [];
    const record = (...args: unknown[]) => calls.push(args);
    const fake = { debug: record, info: record, warn: record, error: record } as unknown as PowertoolsLogger;
    const logger = powertoolsLogger(fake);
    for (const level of ['debug', 'info', 'warn', 'error'] as const) logger[level](mistaken(), level);
    expect(calls).toHaveLength(4);
    for (const [, fields] of calls) expect(fields).toEqual(redactLogFields(mistaken()));
  });
});
