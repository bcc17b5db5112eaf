import { describe, expect, it } from 'vitest';
import { isSensitiveHeader, redactHeaders } from '../../src/domain/headers.js';
import { headersForBody } from '../../src/domain/notification.js';
import { REDACTED } from '../../src/domain/redaction.js';

const SENSITIVE = [
  'Authorization',
  'authorization',
  'Proxy-Authorization',
  'Cookie',
  'Set-Cookie',
  'X-Api-Key',
  'x-api-key',
  'Api-Key',
  'X-Auth-Token',
  'X-Access-Token',
  'client_secret',
  'X-Client-Secret',
  'Password',
  'X-User-Password',
  'X-Hub-Signature-256',
  'X-Session-Id',
  'X-Signature',
  'X-Sig',
  'X-Amz-Credential',
];
const HARMLESS = ['Content-Type', 'X-Custom', 'Accept', 'User-Agent', 'X-Request-Id', 'X-Herald-Attempt'];

describe('isSensitiveHeader', () => {
  it.each(SENSITIVE)('%s is sensitive', (name) => {
    expect(isSensitiveHeader(name)).toBe(true);
  });

  it.each(HARMLESS)('%s is not', (name) => {
    expect(isSensitiveHeader(name)).toBe(false);
  });
});

describe('redactHeaders', () => {
  it('hides sensitive values and keeps the rest, names and order unchanged', () => {
    const headers = {
      'Content-Type': 'application/json',
      Authorization: 'Bearer s3cr3t',
      'X-Custom': 'visible',
      Cookie: 'session=abc',
      'X-Api-Key': 'k-123',
      'X-Auth-Token': 't-456',
      client_secret: 'cs-789',
      'DB-Password': 'hunter2',
    };
    const redacted = redactHeaders(headers);
    expect(redacted).toEqual({
      'Content-Type': 'application/json',
      Authorization: REDACTED,
      'X-Custom': 'visible',
      Cookie: REDACTED,
      'X-Api-Key': REDACTED,
      'X-Auth-Token': REDACTED,
      client_secret: REDACTED,
      'DB-Password': REDACTED,
    });
    expect(Object.keys(redacted)).toEqual(Object.keys(headers));
    expect(JSON.stringify(redacted)).not.toMatch(/s3cr3t|abc|k-123|t-456|cs-789|hunter2/);
  });

  it('leaves its input alone', () => {
    const headers = { Authorization: 'Bearer s3cr3t' };
    redactHeaders(headers);
    expect(headers).toEqual({ Authorization: 'Bearer s3cr3t' });
  });

  it('redacts an empty value too, and handles no headers', () => {
    expect(redactHeaders({ Authorization: '' })).toEqual({ Authorization: REDACTED });
    expect(redactHeaders({})).toEqual({});
  });
});

describe('headersForBody', () => {
  it('adds Content-Type: application/json for a JSON value when the caller set none', () => {
    expect(headersForBody({ 'X-A': '1' }, { a: 1 })).toEqual({ 'X-A': '1', 'Content-Type': 'application/json' });
    expect(headersForBody({}, [1, 2])).toEqual({ 'Content-Type': 'application/json' });
    expect(headersForBody({}, 42)).toEqual({ 'Content-Type': 'application/json' });
  });

  it('keeps the caller’s own content type, whatever its case', () => {
    expect(headersForBody({ 'content-type': 'application/vnd.x+json' }, { a: 1 })).toEqual({
      'content-type': 'application/vnd.x+json',
    });
  });

  it('adds nothing for a string body or no body', () => {
    expect(headersForBody({}, 'raw text')).toEqual({});
    expect(headersForBody({}, null)).toEqual({});
  });
});
