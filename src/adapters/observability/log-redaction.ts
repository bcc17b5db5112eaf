import { REDACTED, redactUrl } from '../../domain/redaction.js';

/** Fields masked whole: a headers object may hold credentials under any name. */
const MASKED = new Set(['headers', 'authorization']);

/**
 * Log fields as they may be written: `headers` and `authorization` masked, the secret-looking
 * query values of a `url` redacted (redactUrl), at the top level and one object down (`{ request:
 * { url } }`). The use cases log ids, statuses and outcome codes, not these; this catches one
 * passed by mistake, in every logger adapter alike. Returns `fields` itself when nothing changes.
 */
export function redactLogFields(fields: Record<string, unknown>, nested = true): Record<string, unknown> {
  let redacted: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(fields)) {
    let safe = value;
    if (MASKED.has(name)) safe = REDACTED;
    else if (name === 'url' && typeof value === 'string') safe = redactUrl(value);
    else if (nested && isPlainObject(value)) safe = redactLogFields(value, false);
    if (safe !== value) {
      redacted ??= { ...fields };
      redacted[name] = safe;
    }
  }
  return redacted ?? fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
