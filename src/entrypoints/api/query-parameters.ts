import type { MiddlewareHandler } from 'hono';
import { type FieldIssue, ValidationError } from '../../domain/errors.js';

/**
 * A route's declaration of the query parameters it takes: `api.get(path, queryParameters('status',
 * 'limit'), handler)`. Any other parameter, or one given twice, is a 400 naming it, so a typo such
 * as `stauts=FAILED` is not silently read as "no filter", and `status=A&status=B` is not silently
 * read as one of them. Every route declares its list, an empty one included.
 */
export function queryParameters(...allowed: string[]): MiddlewareHandler {
  const known = new Set(allowed);
  const takes = allowed.length > 0 ? `this route takes ${allowed.join(', ')}` : 'this route takes none';
  return async (c, next) => {
    const queryStart = c.req.url.indexOf('?');
    if (queryStart !== -1) {
      const counts = new Map<string, number>();
      for (const name of new URLSearchParams(c.req.url.slice(queryStart + 1)).keys()) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      const issues: FieldIssue[] = [];
      for (const [name, count] of counts) {
        if (!known.has(name)) issues.push({ field: name, message: `unknown query parameter; ${takes}` });
        else if (count > 1) issues.push({ field: name, message: 'given more than once' });
      }
      if (issues.length > 0) throw new ValidationError(issues);
    }
    await next();
  };
}
