import { destinationParameter } from '../../app/manage-destinations.js';
import { type FieldIssue, ValidationError } from '../../domain/errors.js';
import { STATUSES, type Status } from '../../domain/notification.js';
import type { ListQuery } from '../../ports/notification-store.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

const KNOWN = new Set(['status', 'destination', 'createdAfter', 'createdBefore', 'limit', 'cursor']);
/** ISO 8601 with a date, a time and an offset: a bare date or local time would be read in some zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The query of `GET /v1/notifications`, every problem named at once: an unknown or repeated
 * parameter is a mistake worth a 400 (a typo like `stauts` would otherwise list everything).
 */
export function parseListQuery(parameters: Record<string, string[]>): ListQuery {
  const issues: FieldIssue[] = [];
  const one = (name: string): string | undefined => {
    const values = parameters[name];
    if (values === undefined) return undefined;
    if (values.length > 1) issues.push({ field: name, message: 'is given more than once' });
    return values[0] === '' ? undefined : values[0];
  };
  for (const name of Object.keys(parameters)) {
    if (!KNOWN.has(name))
      issues.push({ field: name, message: `is not a parameter of this listing (${[...KNOWN].join(', ')})` });
  }
  const query: ListQuery = { limit: DEFAULT_PAGE_SIZE };
  const collect = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };

  const status = one('status');
  if (status !== undefined) query.statuses = collect(() => parseStatuses(status)) ?? [];
  const destination = one('destination');
  if (destination !== undefined) {
    const parsed = collect(() => destinationParameter(destination));
    if (parsed !== undefined) query.destination = parsed;
  }
  Object.assign(query, parseCreatedRange(one('createdAfter'), one('createdBefore'), issues));
  const limit = one('limit');
  if (limit !== undefined) query.limit = collect(() => parseLimit(limit)) ?? DEFAULT_PAGE_SIZE;
  const cursor = one('cursor');
  if (cursor !== undefined) query.cursor = cursor;
  if (issues.length > 0) throw new ValidationError(issues);
  return query;
}

/**
 * `createdAfter` / `createdBefore` as toISOString writes them (what the stores compare), their
 * problems added to `issues`.
 */
export function parseCreatedRange(
  after: unknown,
  before: unknown,
  issues: FieldIssue[],
): { createdAfter?: string; createdBefore?: string } {
  const range: { createdAfter?: string; createdBefore?: string } = {};
  for (const [field, value] of [
    ['createdAfter', after],
    ['createdBefore', before],
  ] as const) {
    if (value === undefined) continue;
    const instant = typeof value === 'string' && INSTANT.test(value) ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(instant)) {
      issues.push({ field, message: 'must be an ISO 8601 date-time with an offset, e.g. 2030-01-01T00:00:00Z' });
    } else {
      range[field] = new Date(instant).toISOString();
    }
  }
  if (
    range.createdAfter !== undefined &&
    range.createdBefore !== undefined &&
    range.createdAfter >= range.createdBefore
  ) {
    issues.push({ field: 'createdBefore', message: 'must be later than createdAfter' });
  }
  return range;
}

/** One status or a comma list of them. */
function parseStatuses(value: string): Status[] {
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(STATUSES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ValidationError([
      { field: 'status', message: `must be one or a comma list of ${STATUSES.join(', ')} (not ${unknown.join(', ')})` },
    ]);
  }
  return [...new Set(names as Status[])];
}

export function parseLimit(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PAGE_SIZE;
  // Digits only: Number() would also read `1e2`, `0x10` and ` 5 `.
  const limit = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit >= 1)) {
    throw new ValidationError([
      { field: 'limit', message: `must be a whole number from 1 (at most ${MAX_PAGE_SIZE} are returned)` },
    ]);
  }
  // Larger pages are served at the maximum rather than refused: asking for "everything" is not a mistake.
  return Math.min(limit, MAX_PAGE_SIZE);
}
