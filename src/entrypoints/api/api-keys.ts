import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry } from '../../config.js';
import { type Caller, DEFAULT_CALLER } from '../../domain/caller.js';

/** What a 401 tells the caller, in the body and in `WWW-Authenticate`. */
export const UNAUTHORIZED_DETAIL = 'Send a valid API key as "Authorization: Bearer <key>"';
export const WWW_AUTHENTICATE = 'Bearer realm="herald"';

/** The caller an `Authorization` header names, or undefined when it names none (a 401). */
export type CallerLookup = (authorization: string | undefined) => Caller | undefined;

/**
 * Finds the caller of `Authorization: Bearer <key>` among HERALD_API_KEYS. With no keys (authentication off,
 * loopback only) every request is the full-access caller `default`. The presented key's SHA-256 is compared
 * with every key's, each in constant time and none skipped, so neither how much of a key was right, nor its
 * length, nor which entry matched shows in the response time.
 */
export function callerByApiKey(entries: ApiKeyEntry[]): CallerLookup {
  if (entries.length === 0) return () => DEFAULT_CALLER;
  const known = entries.map(({ name, role, key }) => ({ caller: { name, role }, digest: sha256(key) }));
  return (authorization) => {
    const match = authorization?.match(/^Bearer\s+(\S+)$/i);
    if (!match?.[1]) return undefined;
    const presented = sha256(match[1]);
    let found: Caller | undefined;
    for (const { caller, digest } of known) {
      if (timingSafeEqual(digest, presented)) found = caller;
    }
    return found;
  };
}

function sha256(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
