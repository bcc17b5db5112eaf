import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepthIssue } from '../../src/domain/json-depth.js';

/** How deep a parsed value nests arrays and objects (a scalar is 0); recursive, for small test values only. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const nested = (levels: number, leaf = '1') => `${'['.repeat(levels)}${leaf}${']'.repeat(levels)}`;

describe('jsonDepthIssue', () => {
  it('lets a value nest exactly the limit and names the field that goes one deeper', () => {
    expect(jsonDepthIssue(`{"body": ${nested(32)}}`, 32)).toBeNull();
    expect(jsonDepthIssue(`{"url": "x", "body": ${nested(33)}}`, 32)).toEqual({
      field: 'body',
      message: 'nests arrays and objects more than 32 levels deep',
    });
    expect(jsonDepthIssue(`{"body": 1, "metadata": {"a": ${nested(32)}}}`, 32)?.field).toBe('metadata');
  });

  it('reads the key as JSON, escapes included, and names (root) when the document is not an object', () => {
    expect(jsonDepthIssue(`{"b\\u006fdy": ${nested(40)}}`, 32)?.field).toBe('body');
    expect(jsonDepthIssue(nested(40), 32)?.field).toBe('(root)');
  });

  it('ignores brackets, quotes and colons inside strings', () => {
    const tricky = JSON.stringify({ body: `${'['.repeat(100)} \\" ] "{:`, metadata: { 'a"[': '{{{' } });
    expect(jsonDepthIssue(tricky, 1)).toBeNull();
    expect(jsonDepthIssue(`{"x": "\\\\", "body": ${nested(3)}}`, 2)?.field).toBe('body');
  });

  it('scans 100,000 levels without recursion', () => {
    expect(jsonDepthIssue(`{"body": ${nested(100_000)}}`, 32)?.field).toBe('body');
  });

  it('agrees with the nesting of any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (value, limit) => {
        const text = JSON.stringify({ body: value });
        const issue = jsonDepthIssue(text, limit);
        expect(issue === null).toBe(depthOf(value) <= limit);
        if (issue) expect(issue.field).toBe('body');
      }),
    );
  });
});
