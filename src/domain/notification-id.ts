import { createHash, randomUUID } from 'node:crypto';

/**
 * The id of a new notification. With an idempotency key the id is derived from the key, so every
 * store deduplicates with one conditional insert on its primary key — no separate key record, no
 * read-then-write race. Without a key, a random UUID.
 */
export function notificationIdFor(idempotencyKey: string | null): string {
  if (idempotencyKey === null) return randomUUID();
  const hex = createHash('sha256').update(`herald-idempotency:${idempotencyKey}`).digest('hex');
  // Formatted as a version-8 ("custom") UUID so ids look alike whatever their origin.
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
