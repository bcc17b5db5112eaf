import { createHash } from 'node:crypto';
import type { Notification } from '../../domain/notification.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { Item } from './items.js';
import { RETENTION_DAYS } from './table-schema.js';

/**
 * Bodies whose stored text (the body as JSON, UTF-8) is longer than this go to the object store, and
 * the REQUEST item keeps their key. DynamoDB bills a write unit per KB of item and S3 a flat price per
 * request: one PUT and one GET cost about what 8.4 KB of body cost in the table, written once and read
 * by one claim (the arithmetic: docs/performance.md). Readers do not use it: they follow the key an
 * item holds, so changing it affects only what is written next.
 */
export const BODY_OBJECT_THRESHOLD_BYTES = 8 * 1024;

/** The REQUEST item attribute holding the key of the object that holds the body, instead of `body`. */
const BODY_OBJECT_ATTRIBUTE = 'bodyObject';

/**
 * How long a body object is kept: the bucket's lifecycle rule (infra/lib/bodies.ts) expires it this
 * many days after it was last written. The REQUEST item naming it expires RETENTION_DAYS after its
 * creation, but DynamoDB deletes expired items only within days of that, and reads return them until
 * then: a week more keeps the object for as long as an item can name it. An object is written just
 * before its item, and a rewrite (a replay) starts its count again.
 */
export const BODY_OBJECT_RETENTION_DAYS = RETENTION_DAYS + 7;

/**
 * `<id>/<SHA-256 of the text>`: the same key for the same body of the same notification, whoever
 * writes it. A replayed ingest (same idempotency key, so same id, same body) rewrites the same bytes
 * under the same key instead of leaving a second object; a conflicting one (same id, other body)
 * writes under another key and cannot touch the object the stored record names.
 */
export function bodyObjectKey(id: string, text: string): string {
  return `${id}/${createHash('sha256').update(text).digest('hex')}`;
}

/** Where the REQUEST items' bodies live: in the item, or, above the threshold, in an object it names. */
export class RequestBodies {
  constructor(private readonly objects: ObjectStore) {}

  /**
   * The REQUEST item's body attribute: the body as JSON text (a string body stays a string, `null`
   * stays `null`), or the key of the object holding that text, written here, before the caller puts
   * the item that names it: a record never names an object that was not written.
   */
  async attributes(notification: Notification): Promise<Item> {
    if (notification.body === undefined) return {};
    const text = JSON.stringify(notification.body);
    if (Buffer.byteLength(text, 'utf8') <= BODY_OBJECT_THRESHOLD_BYTES) return { body: text };
    const key = bodyObjectKey(notification.id, text);
    await this.objects.put(key, text);
    return { [BODY_OBJECT_ATTRIBUTE]: key };
  }

  /** The REQUEST item with its `body` in place: read from the object store when it lives there. */
  async complete(request: Item): Promise<Item> {
    const key = request[BODY_OBJECT_ATTRIBUTE];
    if (typeof key !== 'string') return request;
    return { ...request, body: await this.objects.get(key) };
  }

  /**
   * Writes the body object of a completed REQUEST item again, the same text under the same key, so the
   * bucket's lifecycle counts its days afresh (retention.ts). False, writing nothing, when the item
   * keeps its body itself or its body was not read.
   */
  async rewrite(request: Item): Promise<boolean> {
    const key = request[BODY_OBJECT_ATTRIBUTE];
    if (typeof key !== 'string' || typeof request.body !== 'string') return false;
    await this.objects.put(key, request.body);
    return true;
  }
}
