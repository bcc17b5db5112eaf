import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { callerByApiKey } from '../../src/entrypoints/api/api-keys.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const KEYS = [
  { name: 'default', role: 'operate', key: 'full-access-key' },
  { name: 'billing', role: 'send', key: 'k-send' },
  { name: 'audit', role: 'read', key: 'a-much-longer-read-key-of-another-length' },
] as const;

describe('callerByApiKey', () => {
  const callerOf = callerByApiKey([...KEYS]);

  it('names the caller and role of each key presented as a Bearer token', () => {
    expect(callerOf('Bearer full-access-key')).toEqual({ name: 'default', role: 'operate' });
    expect(callerOf('bearer k-send')).toEqual({ name: 'billing', role: 'send' });
    expect(callerOf('Bearer a-much-longer-read-key-of-another-length')).toEqual({ name: 'audit', role: 'read' });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic k-send'],
    ['a prefix of a key', 'Bearer k-sen'],
    ['a key with more after it', 'Bearer k-send2'],
    ['two tokens', 'Bearer k-send k-send'],
  ])('knows no caller for %s', (_name, header) => {
    expect(callerOf(header)).toBeUndefined();
  });

  it('compares digests of equal length with every key, whatever the length presented', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    expect(callerOf('Bearer x')).toBeUndefined();
    expect(compare).toHaveBeenCalledTimes(KEYS.length);
    for (const [a, b] of compare.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
    compare.mockClear();
    callerOf('Bearer full-access-key');
    expect(compare).toHaveBeenCalledTimes(KEYS.length);
  });

  it('with no keys, every request is the full-access caller "default"', () => {
    expect(callerByApiKey([])(undefined)).toEqual({ name: 'default', role: 'operate' });
  });
});
