/** What is too sensitive to show (docs/design.md §6): one rule for header names and URL query parameters. */

export const REDACTED = '[REDACTED]';

/** A name containing any of these, in any case, names a secret: `X-Auth-Token`, `api_key`, `sig`. */
const SECRET_NAME_PARTS = ['token', 'key', 'secret', 'signature', 'sig', 'password', 'auth', 'credential', 'session'];

export function looksSecret(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAME_PARTS.some((part) => lower.includes(part));
}

/**
 * The URL with the value of every query parameter whose name looks secret replaced by REDACTED
 * (`?api_key=abc&page=2` → `?api_key=[REDACTED]&page=2`); the rest exactly as given, encoding
 * included. Names are compared decoded, so `%74oken` is a token too. For reads and logs only: the
 * stored URL, which deliveries use, is left intact.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const fragmentStart = url.indexOf('#', queryStart);
  const queryEnd = fragmentStart === -1 ? url.length : fragmentStart;
  const query = url
    .slice(queryStart + 1, queryEnd)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return equals !== -1 && looksSecret(decodeName(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart + 1)}${query}${url.slice(queryEnd)}`;
}

function decodeName(name: string): string {
  const spaced = name.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // a stray %: compare it as written
  }
}
