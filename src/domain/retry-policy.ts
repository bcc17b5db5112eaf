/** Exponential backoff with full jitter, and `Retry-After` parsing. Pure: random and now are passed in. */

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A number in [0, 1), like Math.random; tests pass a seeded one. */
export type Random = () => number;

/**
 * The delay before the attempt after `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))]
 * ("full jitter", which spreads a burst of failures best), but never shorter than the vendor's
 * `Retry-After`, itself capped at `maxDelayMs` so a hostile header cannot park a notification forever.
 */
export function nextDelay(
  attempt: number,
  policy: RetryPolicy,
  random: Random,
  retryAfterMs: number | null = null,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * (ceiling + 1));
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxDelayMs));
}

/** RFC 9110 §5.6.7: IMF-fixdate, the obsolete RFC 850 form, and asctime. */
const HTTP_DATE_FORMS = [
  /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/** Parses `Retry-After` (delta-seconds or an HTTP date) into milliseconds from `now`; null if absent or invalid. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only the three HTTP-date forms: Date.parse alone accepts garbage such as "abc 2030".
  if (!HTTP_DATE_FORMS.some((form) => form.test(trimmed))) return null;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now.getTime());
}
