/** A route as hono lists it in `app.routes`; middleware (`use`) appears with the method ALL. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

const patterns = new Map<string, RegExp>();

/** A hono path (`/v1/notifications/:id`, `/static/*`) as a regular expression over request paths. */
function patternOf(path: string): RegExp {
  let pattern = patterns.get(path);
  if (pattern === undefined) {
    const segments = path.split('/').map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
    pattern = new RegExp(`^${segments.join('/')}$`);
    patterns.set(path, pattern);
  }
  return pattern;
}

/**
 * The methods some route serves at `path`, for a 405's `Allow` header; empty when no route has the
 * path (a 404). Derived from the routes themselves, so a route added later is covered with no list
 * to keep in step. HEAD is allowed wherever GET is: hono answers it with the GET handler.
 */
export function allowedMethods(routes: readonly RegisteredRoute[], path: string): string[] {
  const methods = new Set<string>();
  const served = routes.filter((route) => route.method !== 'ALL');
  // A literal path wins over a parameter (`/v1/notifications/batch` is not the notification "batch").
  const literal = served.filter((route) => route.path === path);
  for (const route of literal.length > 0 ? literal : served) {
    if (patternOf(route.path).test(path)) methods.add(route.method);
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
