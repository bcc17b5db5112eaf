import { useEffect, useState } from 'preact/hooks';

// Hash routes, so a reload or a pasted link opens the same page: the server only ever serves /console.
export type Route =
  | { page: 'overview' }
  | { page: 'notifications'; params: URLSearchParams }
  | { page: 'notification'; id: string }
  | { page: 'recover'; params: URLSearchParams }
  | { page: 'recovery'; id: string }
  | { page: 'destinations' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0) return { page: 'overview' };
  if (first === 'notifications' && parts.length === 1) return { page: 'notifications', params };
  if (first === 'notifications' && second && parts.length === 2) return { page: 'notification', id: second };
  if (first === 'recover' && parts.length === 1) return { page: 'recover', params };
  if (first === 'recover' && second && parts.length === 2) return { page: 'recovery', id: second };
  if (first === 'destinations' && parts.length === 1) return { page: 'destinations' };
  return { page: 'not-found', path };
}

/** A link's href: `link('notifications', id)` → `#/notifications/<id>`, with an optional query. */
export function link(...parts: (string | Record<string, string | undefined>)[]): string {
  const segments = parts.filter((part): part is string => typeof part === 'string').map(encodeURIComponent);
  const params = parts.find((part): part is Record<string, string | undefined> => typeof part !== 'string');
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {})) if (value) search.set(name, value);
  const query = search.toString();
  return `#/${segments.join('/')}${query ? `?${query}` : ''}`;
}

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, '');
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
