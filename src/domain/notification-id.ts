import { createHmac, randomUUID } from 'node:crypto';
import { DEFAULT_CALLER } from './caller.js';

/**
 * The id of a new notification. With an idempotency key the id is derived from the key, so every
 * store deduplicates with one conditional insert on its primary key — no separate key record, no
 * read-then-write race. Without a key, a time-ordered (version-7) UUID: ids made one after another
 * sort together, so an index keyed by id grows at its end instead of dirtying a random page per
 * insert (the SQLite store's id index; DynamoDB hashes the key either way).
 *
 * `idKey` keys the derivation (an HMAC, the secrets key's `notification-id` subkey): whoever knows an
 * idempotency key still cannot tell the id of its notification.
 *
 * A key is the caller's own: the caller's name is part of what the id is derived from, so two callers
 * using the same key never meet. The caller `default` derives from the key alone. (A key is visible
 * ASCII without a newline, so no other caller's name and key can spell a `default` key.)
 */
export function notificationIdFor(
  idempotencyKey: string | null,
  idKey: Uint8Array,
  now = Date.now(),
  caller = DEFAULT_CALLER.name,
): string {
  if (idempotencyKey === null) {
    // RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits (from randomUUID's pool).
    const milliseconds = now.toString(16).padStart(12, '0').slice(-12);
    return formatUuid(milliseconds + randomUUID().replaceAll('-', '').slice(12), '7');
  }
  // A version-8 ("custom") UUID, so ids look alike whatever their origin.
  const scoped = caller === DEFAULT_CALLER.name ? idempotencyKey : `${caller}\n${idempotencyKey}`;
  return formatUuid(createHmac('sha256', idKey).update(`herald-idempotency:${scoped}`).digest('hex'), '8');
}

/** A UUID as notificationIdFor writes them: lower-case hex, 8-4-4-4-12 (any version, so older ids still read). */
const NOTIFICATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Whether `value` can be the id of a notification. Anything else is unknown without asking a
 * store, and must not reach one: DynamoDB refuses a key over 2048 bytes with an error that would
 * read as the store being down.
 */
export function isNotificationId(value: string): boolean {
  return NOTIFICATION_ID.test(value);
}

/** The first 32 hex digits as a UUID of `version`, with the RFC 9562 variant bits set. */
function formatUuid(hex: string, version: string): string {
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
