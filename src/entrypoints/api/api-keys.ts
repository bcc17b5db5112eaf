import { timingSafeEqual } from 'node:crypto';

/** What a 401 tells the caller, in the body and in `WWW-Authenticate`. */
export const UNAUTHORIZED_DETAIL = 'Send a valid API key as "Authorization: Bearer <key>"';
export const WWW_AUTHENTICATE = 'Bearer realm="herald"';

/**
 * Checks `Authorization: Bearer <key>` against HERALD_API_KEYS. Undefined when no keys are set
 * (authentication off). Constant-time comparison, so response timing does not reveal how much of a
 * key was right.
 */
export function apiKeyCheck(apiKeys: string[]): ((authorization: string | undefined) => boolean) | undefined {
  if (apiKeys.length === 0) return undefined;
  const keys = apiKeys.map((key) => Buffer.from(key));
  return (authorization) => {
    const match = authorization?.match(/^Bearer\s+(\S+)$/i);
    if (!match?.[1]) return false;
    const presented = Buffer.from(match[1]);
    return keys.some((key) => key.length === presented.length && timingSafeEqual(key, presented));
  };
}
