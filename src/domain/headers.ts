/** Header rules of docs/design.md §6: what may be forwarded, and what is too sensitive to show. */

import { looksSecret, REDACTED } from './redaction.js';

/** Hop-by-hop and framing headers: they describe our connection, not the caller's request. */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** What Herald's own headers begin with (in lower case); a caller may not send one. */
export const HERALD_HEADER_PREFIX = 'x-herald-';

/** Headers Herald adds to every delivery, so a receiver can drop at-least-once duplicates. */
export const NOTIFICATION_ID_HEADER = 'X-Herald-Notification-Id';
export const ATTEMPT_HEADER = 'X-Herald-Attempt';
export const CORRELATION_ID_HEADER = 'X-Herald-Correlation-Id';

/** Sensitive whatever their name says (`Authorization` and `X-Api-Key` already look secret). */
const SENSITIVE_EXACT = new Set(['cookie', 'set-cookie']);

export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_EXACT.has(name.toLowerCase()) || looksSecret(name);
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    redacted[name] = isSensitiveHeader(name) ? REDACTED : value;
  }
  return redacted;
}
