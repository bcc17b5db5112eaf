import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { parseRecoveryFilter } from '../../src/entrypoints/api/recovery-input.js';

describe('the body of POST /v1/recoveries', () => {
  it('takes a plain origin as its destination, and a bad one is a 400 asking for a plain origin', () => {
    expect(parseRecoveryFilter({ destination: 'https://api.vendor.com' })).toEqual({
      status: 'FAILED',
      destination: 'https://api.vendor.com',
    });
    for (const destination of ['not an origin', 'https://api.vendor.com/path', 42]) {
      let issues: ValidationError['issues'] = [];
      try {
        parseRecoveryFilter({ destination });
      } catch (error) {
        if (error instanceof ValidationError) issues = error.issues;
      }
      expect(issues).toEqual([
        { field: 'destination', message: 'must be an http(s) origin such as https://api.vendor.com' },
      ]);
    }
  });
});
