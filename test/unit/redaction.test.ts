import { describe, expect, it } from 'vitest';
import { looksSecret, REDACTED, redactUrl } from '../../src/domain/redaction.js';

describe('looksSecret', () => {
  it.each([
    'token',
    'access_token',
    'API_KEY',
    'apikey',
    'client_secret',
    'signature',
    'sig',
    'X-Amz-Signature',
    'password',
    'auth',
    'oauth_verifier',
    'credential',
    'X-Amz-Credential',
    'sessionId',
  ])('%s names a secret', (name) => expect(looksSecret(name)).toBe(true));

  it.each(['page', 'limit', 'id', 'event', 'format', 'user'])('%s does not', (name) => {
    expect(looksSecret(name)).toBe(false);
  });
});

describe('redactUrl', () => {
  it('replaces the values of secret-looking query parameters, keeping everything else as written', () => {
    expect(redactUrl('https://api.example.com/hook?token=abc&page=2&Api_Key=k%20v&x=a%26b#frag')).toBe(
      `https://api.example.com/hook?token=${REDACTED}&page=2&Api_Key=${REDACTED}&x=a%26b#frag`,
    );
  });

  it('compares names decoded, and keeps a parameter without a value, an empty pair or a stray %', () => {
    expect(redactUrl('https://h/p?%74oken=1&my+pass%77ord=2&auth&&sig%=3&%zz=4')).toBe(
      `https://h/p?%74oken=${REDACTED}&my+pass%77ord=${REDACTED}&auth&&sig%=${REDACTED}&%zz=4`,
    );
  });

  it('leaves a URL without a query, or with secret-looking words elsewhere, unchanged', () => {
    for (const url of ['https://h/token/abc', 'https://h/p#token=abc', 'https://secret.example.com/', 'https://h/p?']) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('redacts a value holding "=" and "?" whole', () => {
    expect(redactUrl('https://h/p?signature=a=b?c&n=1')).toBe(`https://h/p?signature=${REDACTED}&n=1`);
  });
});
