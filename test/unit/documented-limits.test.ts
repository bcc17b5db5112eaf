import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LIMITS } from '../../src/domain/request-schema.js';

/**
 * The README's numbers against the code's: a limit or a setting's range changed in one place and not
 * the other fails here.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

describe('the limits and ranges the README gives', () => {
  it('are the request limits the schema enforces', () => {
    const range = (field: string) => new RegExp(`\`${field}\` (\\d+)–(\\d+)`).exec(readme)?.slice(1).map(Number);
    expect(range('timeoutMs')).toEqual([LIMITS.minTimeoutMs, LIMITS.maxTimeoutMs]);
    expect(range('maxAttempts')).toEqual([1, LIMITS.maxAttempts]);
  });

  it('are the ranges the configuration accepts', () => {
    const rows = [...readme.matchAll(/\| `(HERALD_\w+)` +\| `(\d+)` +\|[^|(]*\((\d+)–(\d+)/g)];
    expect(rows.map((row) => row[1])).toEqual(
      expect.arrayContaining(['HERALD_MAX_ATTEMPTS', 'HERALD_ATTEMPT_TIMEOUT_MS']),
    );
    const accepts = (name: string, value: number) => {
      try {
        loadConfig({ [name]: String(value) });
        return true;
      } catch {
        return false;
      }
    };
    for (const [, name, defaultValue, low, high] of rows) {
      const key = name as string;
      expect(accepts(key, Number(defaultValue)), `${key}'s default`).toBe(true);
      expect(
        [low, high].flatMap((bound, i) =>
          [Number(bound) + (i === 0 ? -1 : 1), Number(bound)].map((v) => accepts(key, v)),
        ),
        `${key} accepts ${low}–${high}`,
      ).toEqual([false, true, false, true]);
    }
  });
});
