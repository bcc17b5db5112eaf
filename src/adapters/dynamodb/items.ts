import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_CALLER } from '../../domain/caller.js';
import { destinationOf } from '../../domain/destination.js';
import type { DeliveryAttempt, DeliveryResult, Notification, Status } from '../../domain/notification.js';
import { createdPartition, indexShard } from './index-partitions.js';
import { CREATED_INDEX, ITEM, KEY, notificationKey, RETENTION_DAYS, TTL_ATTRIBUTE } from './table-schema.js';

/*
 * A notification's two items (the layout is table-schema.ts), attribute by attribute:
 *
 * - REQUEST item attributes: id, url, method, headers/body/metadata (JSON strings, so a string body
 *   stays a string and `null` stays `null`; a body over 8 KiB is an S3 object instead, named by
 *   `bodyObject`: request-bodies.ts), idempotencyKey, maxAttempts, timeoutMs, destination (the URL's origin), sign (only when
 *   true: absent reads as false, as on items written before it existed), orderingKey (only when set), caller (only when
 *   not `default`: absent reads as `default`, as on items written before callers), requestHash,
 *   createdAt, lastUpdatedAt (as ingested), ingestStatus = QUEUED when ingest sent the message before
 *   the put (the usual case; absent: PENDING, the send failed), gsi1pk = `C#<createdAt minute>#<shard>`,
 *   gsi1sk = `<createdAt>#<id>` (the listing order), expiresAt. Written once by `insert`; only its
 *   expiresAt (and bodyWrittenAt, when its body object was written again) is renewed later, for a
 *   notification still to be delivered late in its life (retention.ts).
 * - STATE item attributes: status, attempts, attemptBudgetStart, lastUpdatedAt, lastDeliveryAttempt,
 *   nextAttemptAt, deliveredAt, leaseExpiresAt (absent rather than null), history (list of attempts),
 *   listSortKey (= the REQUEST's gsi1sk, copied by `claim` so `recordAttempt` can index a failure
 *   without reading the REQUEST), expiresAt, and gsi2pk/gsi2sk while it is in the sparse index
 *   (index-partitions.ts). state-updates.ts writes it.
 * - `deliveryResult` is not stored: it is the newest history entry without its `attempt` number.
 */

export type Item = Record<string, NativeAttributeValue>;

export const itemKey = (pk: string, sk: string): Item => ({ [KEY.partition]: pk, [KEY.sort]: sk });
export const requestKey = (id: string) => itemKey(notificationKey(id), ITEM.request);
export const stateKey = (id: string) => itemKey(notificationKey(id), ITEM.state);
export const idOfKey = (pk: string) => pk.slice(notificationKey('').length);

/** When an item made at `time` (ISO 8601) expires: TTL epoch seconds, undefined for an unparsable time. */
export function expiresAtFrom(time: string): number | undefined {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) + RETENTION_DAYS * 24 * 3600;
}

/** The REQUEST item; `body` is its body attribute, from RequestBodies.attributes. */
export function requestItem(notification: Notification, body: Item): Item {
  const { id, createdAt } = notification;
  return {
    ...requestKey(id),
    id,
    url: notification.url,
    // Projected into byCreatedMinute, so a destination filter passes over other destinations unread.
    destination: notification.destination,
    method: notification.method,
    headers: JSON.stringify(notification.headers),
    ...body,
    ...(notification.idempotencyKey === null ? {} : { idempotencyKey: notification.idempotencyKey }),
    maxAttempts: notification.maxAttempts,
    timeoutMs: notification.timeoutMs,
    ...(notification.metadata === null ? {} : { metadata: JSON.stringify(notification.metadata) }),
    ...(notification.sign ? { sign: true } : {}),
    ...(notification.orderingKey === null ? {} : { orderingKey: notification.orderingKey }),
    ...(notification.caller === DEFAULT_CALLER.name ? {} : { caller: notification.caller }),
    requestHash: notification.requestHash,
    createdAt,
    lastUpdatedAt: notification.lastUpdatedAt,
    ...(notification.status === 'QUEUED' ? { ingestStatus: 'QUEUED' } : {}),
    [CREATED_INDEX.partition]: createdPartition(createdAt, indexShard(id)),
    [CREATED_INDEX.sort]: `${createdAt}#${id}`,
    [TTL_ATTRIBUTE]: expiresAtFrom(createdAt),
  };
}

/** The status: the STATE item's, or without one the status ingest stored (QUEUED or PENDING). */
export function statusOf(request: Item, state: Item | undefined): Status {
  return (state?.status ?? request.ingestStatus ?? 'PENDING') as Status;
}

/** Whether a notification whose STATE item is `state` can be in `status` (before its REQUEST is read). */
export function mayHaveStatus(state: Item | undefined, status: Status): boolean {
  return state === undefined ? status === 'PENDING' || status === 'QUEUED' : state.status === status;
}

/** The history oldest first: sorting by `attempt` undoes the ring's wrap-around (state-updates.ts). */
export function historyOf(state: Item | undefined): DeliveryAttempt[] {
  const history = (state?.history ?? []) as DeliveryAttempt[];
  return [...history].sort((a, b) => a.attempt - b.attempt);
}

function resultOf(attempt: DeliveryAttempt): DeliveryResult {
  const { attempt: _number, ...result } = attempt;
  return result;
}

const nullable = (value: NativeAttributeValue): string | null => (value === undefined ? null : String(value));

/**
 * The notification of a REQUEST and a STATE item. Its body is the REQUEST's `body` attribute: a body
 * kept in S3 is there only once RequestBodies.complete has read it, and undefined until then.
 */
export function toNotification(request: Item, state: Item | undefined): Notification {
  const latest = historyOf(state).at(-1);
  return {
    id: String(request.id),
    caller: request.caller === undefined ? DEFAULT_CALLER.name : String(request.caller),
    status: statusOf(request, state),
    url: String(request.url),
    destination: destinationOf(String(request.url)),
    method: String(request.method),
    headers: JSON.parse(String(request.headers)) as Record<string, string>,
    body: request.body === undefined ? undefined : JSON.parse(String(request.body)),
    idempotencyKey: nullable(request.idempotencyKey),
    maxAttempts: Number(request.maxAttempts),
    timeoutMs: Number(request.timeoutMs),
    metadata: request.metadata === undefined ? null : (JSON.parse(String(request.metadata)) as Record<string, unknown>),
    sign: request.sign === true,
    orderingKey: nullable(request.orderingKey),
    attempts: Number(state?.attempts ?? 0),
    createdAt: String(request.createdAt),
    lastUpdatedAt: String(state?.lastUpdatedAt ?? request.lastUpdatedAt),
    lastDeliveryAttempt: nullable(state?.lastDeliveryAttempt),
    nextAttemptAt: nullable(state?.nextAttemptAt),
    deliveredAt: nullable(state?.deliveredAt),
    deliveryResult: latest ? resultOf(latest) : null,
    requestHash: String(request.requestHash),
    attemptBudgetStart: Number(state?.attemptBudgetStart ?? 0),
    leaseExpiresAt: nullable(state?.leaseExpiresAt),
    claimedFrom: (state?.claimedFrom ?? null) as Status | null,
  };
}
