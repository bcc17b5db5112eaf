/**
 * Who sends and reads notifications (README, "Callers and roles"). Each API key names a caller and
 * gives it a role; the caller's name is recorded on every notification it sends and scopes its
 * idempotency keys.
 */

export const ROLES = ['send', 'read', 'operate'] as const;
/**
 * `send`: send notifications and read, retry and cancel its own; `read`: every read of the API;
 * `operate`: everything.
 */
export type Role = (typeof ROLES)[number];

export interface Caller {
  name: string;
  role: Role;
}

/** The caller of a bare key (full access), of a request with keys off, and of every notification stored before callers. */
export const DEFAULT_CALLER: Caller = { name: 'default', role: 'operate' };

/** What a caller's name may hold: it is shown, logged and part of what an idempotency key's id is derived from. */
export const CALLER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The name a send caller is limited to, or undefined for a role that sees every caller's notifications. */
export function ownNotificationsOnly(caller: Caller): string | undefined {
  return caller.role === 'send' ? caller.name : undefined;
}
