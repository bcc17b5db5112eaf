import { parseDestination } from '../../domain/destination.js';
import { type FieldIssue, ValidationError } from '../../domain/errors.js';
import type { RecoveryFilter } from '../../domain/recovery.js';
import { parseCreatedRange } from './list-query.js';

const FIELDS = new Set(['status', 'destination', 'createdAfter', 'createdBefore']);

/** The body of `POST /v1/recoveries`: which FAILED notifications to retry; every problem named at once. */
export function parseRecoveryFilter(input: unknown): RecoveryFilter {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const body = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const field of Object.keys(body)) {
    if (!FIELDS.has(field)) issues.push({ field, message: `is not a field of a recovery (${[...FIELDS].join(', ')})` });
  }
  // Only failures are recovered: a retry is defined from FAILED alone.
  if (body.status !== undefined && body.status !== 'FAILED')
    issues.push({ field: 'status', message: 'must be "FAILED"' });
  const filter: RecoveryFilter = { status: 'FAILED' };
  if (body.destination !== undefined) {
    // A plain origin in the body, unlike the URL-encoded one in a path or query.
    const destination = typeof body.destination === 'string' ? parseDestination(body.destination) : undefined;
    if (destination === undefined) {
      issues.push({ field: 'destination', message: 'must be an http(s) origin such as https://api.vendor.com' });
    } else filter.destination = destination;
  }
  Object.assign(filter, parseCreatedRange(body.createdAfter, body.createdBefore, issues));
  if (issues.length > 0) throw new ValidationError(issues);
  return filter;
}
