/**
 * What is too sensitive to show (docs/design.md §6): one rule for header names and URL query
 * parameters, and the secret path segments of well-known webhook URLs.
 */

export const REDACTED = '[REDACTED]';

/** A name containing any of these, in any case, names a secret: `X-Auth-Token`, `api_key`, `sig`. */
const SECRET_NAME_PARTS = ['token', 'key', 'secret', 'signature', 'sig', 'password', 'auth', 'credential', 'session'];

export function looksSecret(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_NAME_PARTS.some((part) => lower.includes(part));
}

/**
 * The URL with the value of every query parameter whose name looks secret replaced by REDACTED
 * (`?api_key=abc&page=2` → `?api_key=[REDACTED]&page=2`), and the secret path segments of the
 * well-known webhook URLs whose path is the credential (redactWebhookPath); the rest exactly as given,
 * encoding included. Names are compared decoded, so `%74oken` is a token too. For reads and logs only:
 * the stored URL, which deliveries use, is left intact.
 */
export function redactUrl(url: string): string {
  return redactQuery(redactWebhookPath(url));
}

/** Splits a URL as written into what precedes its path, the path, and its query and fragment. */
const URL_PARTS = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^?#]*)(.*)$/is;

/**
 * Which segments of a path (split on '/', the empty one before the leading '/' dropped) hold the
 * credential, for the vendors whose webhook URL is itself the secret; empty for any other URL.
 * `names` are the segments decoded and in lower case, as the vendors' routers compare them.
 */
function secretSegments(host: string, names: string[]): number[] {
  const from = (first: number) => names.map((_, i) => i).filter((i) => i >= first);
  // Slack: /services/T…/B…/<secret>, /workflows/T…/A…/<id>/<secret>, /triggers/T…/<id>/<secret>.
  if (host === 'hooks.slack.com' && ['services', 'workflows', 'triggers'].includes(names[0] ?? '')) return from(3);
  // Discord: /api[/v<n>]/webhooks/<id>/<token>[/slack|/github]; ptb. and canary. are its test channels.
  if (/^(?:(?:ptb|canary)\.)?discord(?:app)?\.com$/.test(host) && names[0] === 'api') {
    const webhooks = names.indexOf('webhooks');
    return webhooks === 1 || webhooks === 2 ? [webhooks + 2].filter((i) => i < names.length) : [];
  }
  // Microsoft Teams incoming webhooks: /webhookb2/<group>@<tenant>/IncomingWebhook/<id>/<owner>/<key>.
  // (Power Automate's workflow URLs carry theirs in the `sig` query parameter, redacted as a query secret.)
  if (/(?:^|\.)webhook\.office\.com$|^outlook\.office(?:365)?\.com$/.test(host)) {
    const incoming = names.indexOf('incomingwebhook');
    return ['webhookb2', 'webhook'].includes(names[0] ?? '') && incoming > 0 ? from(incoming + 1) : [];
  }
  return [];
}

function redactWebhookPath(url: string): string {
  const parts = URL_PARTS.exec(url);
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return url;
  }
  if (parts === null) return url;
  const [, before, path, after] = parts as unknown as [string, string, string, string];
  const segments = path.split('/').slice(1);
  const secret = new Set(
    secretSegments(
      host,
      segments.map((segment) => decodeName(segment).toLowerCase()),
    ),
  );
  if (secret.size === 0) return url;
  const redacted = segments.map((segment, i) => (secret.has(i) && segment !== '' ? REDACTED : segment));
  return `${before}/${redacted.join('/')}${after}`;
}

function redactQuery(url: string): string {
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
