/**
 * A destination's rate limit as GCRA (the generic cell rate algorithm, a token bucket kept as one
 * number): `tat`, the theoretical arrival time, moves on by 1/rate per request; a request may go when
 * that leaves it no further ahead of now than the burst allows. Pure; time in epoch ms.
 */

/** Requests that may go at once after an idle spell: a tenth of a second's worth, at least one. */
export function burstFor(requestsPerSecond: number): number {
  return Math.max(1, Math.floor(requestsPerSecond / 10));
}

export type RateDecision = { allowed: true; tat: number } | { allowed: false; retryAt: number };

export function takeRateSlot(tat: number, now: number, requestsPerSecond: number): RateDecision {
  const interval = 1000 / requestsPerSecond;
  const tolerance = interval * (burstFor(requestsPerSecond) - 1);
  const start = Math.max(tat, now);
  if (start - now > tolerance) return { allowed: false, retryAt: Math.ceil(start - tolerance) };
  return { allowed: true, tat: start + interval };
}
