import { DEFAULT_CALLER } from '../domain/caller.js';
import { destinationOf } from '../domain/destination.js';
import { HeraldError } from '../domain/errors.js';
import { type Notification, newNotification } from '../domain/notification.js';
import { notificationIdFor } from '../domain/notification-id.js';
import { fingerprintRequest, parseNotificationRequest } from '../domain/request-schema.js';
import type { AppDependencies } from './dependencies.js';
import { enqueueAndMarkQueued, markForSweep, routingOf, sendMessage } from './enqueue.js';

export interface AcceptResult {
  /** `replayed`: the idempotency key was seen before with the same content; nothing new was stored. */
  outcome: 'created' | 'replayed';
  notification: Notification;
}

/**
 * Ingest (docs/design.md §1). Once the store has the record the caller is told 202 whatever the queue does:
 * a record left PENDING is enqueued by the sweeper. Only a store failure is the caller's 503.
 *
 * - Without an idempotency key (a fresh random id, so no duplicate to fear) the message is sent and
 *   the record stored QUEUED at once: no separate QUEUED write (one write unit less per
 *   notification on DynamoDB), one round trip instead of two, and on SQLite both in one commit. If
 *   the send fails the record is put back to PENDING (the contract's "rolled back to PENDING") for the
 *   sweeper. If the store fails (503), the message names a record that does not exist: the worker
 *   leaves it for redelivery a few times, then drops it (deliver-notification.ts).
 * - With a key, the record is stored first (PENDING), then enqueued and marked QUEUED, as the contract
 *   orders it: a replay, or duplicates racing each other, must not send messages of their own.
 * - With an ordering key (and no idempotency key), stored QUEUED first, then sent: see below.
 *
 * `caller` is the name of the caller sending it: recorded on the notification, and the scope of its
 * idempotency key.
 */
export async function acceptNotification(
  deps: AppDependencies,
  input: unknown,
  headerIdempotencyKey?: string,
  caller = DEFAULT_CALLER.name,
): Promise<AcceptResult> {
  const request = parseNotificationRequest(input, headerIdempotencyKey, deps.defaults, {
    signingConfigured: await canSign(deps, input),
    orderingConfigured: deps.queue.ordersKeys !== false,
  });
  const acceptedAt = deps.clock.now();
  const idKey = request.idempotencyKey === null ? EMPTY_KEY : await deps.secretsSubkeys.forPurpose('notification-id');
  const id = notificationIdFor(request.idempotencyKey, idKey, acceptedAt.getTime(), caller);
  // Without a key there is no earlier request to compare with: no fingerprint to compute (3% of the
  // single process's CPU per notification) or store.
  const requestHash = request.idempotencyKey === null ? '' : fingerprintRequest(request);
  const notification = newNotification(request, id, acceptedAt.toISOString(), requestHash, caller);
  const remembered = rememberDestination(deps, notification.destination); // never rejects

  const routing = routingOf(notification);
  if (request.idempotencyKey !== null) {
    const inserted = await deps.store.insert(notification).finally(() => remembered);
    if (!inserted.inserted) return replayOf(inserted.existing, notification);
    const status = await enqueueAndMarkQueued(deps, id, notification.createdAt, routing);
    return created(deps, { ...notification, status });
  }

  const queued: Notification = { ...notification, status: 'QUEUED' };
  if (request.orderingKey !== null) {
    // Stored before its message is sent: the message's place in its key's line is the order of
    // acceptance, and no message of the line may name a record that is not there (it would hold
    // the line for a visibility timeout per receive).
    const inserted = await deps.store.insert(queued).finally(() => remembered);
    if (!inserted.inserted) return replayOf(inserted.existing, notification);
    if (await sendMessage(deps, id, routing)) return created(deps, queued);
    return created(deps, { ...notification, status: await markForSweep(deps, id, notification.createdAt, 'QUEUED') });
  }
  const sending = sendMessage(deps, id, routing); // never rejects
  // Waits for the send even when the insert fails: no request is left running behind a 503.
  const inserted = await deps.store.insert(queued).finally(() => Promise.all([sending, remembered]));
  const sent = await sending;
  // A fresh random id cannot be taken, unless the store answered a write of ours it had already applied.
  if (!inserted.inserted) return replayOf(inserted.existing, notification);
  if (sent) return created(deps, queued);
  return created(deps, { ...notification, status: await markForSweep(deps, id, notification.createdAt, 'QUEUED') });
}

/** An id without an idempotency key is random: no key derives it. */
const EMPTY_KEY = new Uint8Array(0);

/**
 * Whether `sign: true` can be honoured: with HERALD_SIGNING_SECRETS every destination can sign;
 * without, only one an operator made a key for (one store read, cached like delivery's). Read from
 * the raw input, so the schema reports this with every other problem; a `url` that is not one is
 * the schema's to report.
 */
async function canSign(deps: AppDependencies, input: unknown): Promise<boolean> {
  if (deps.signingSecrets.configured) return true;
  const { sign, url } = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (sign !== true || typeof url !== 'string' || !URL.canParse(url)) return false;
  return deps.signingKeys.canSign(destinationOf(url));
}

/**
 * Gives the destination its record on its first notification (once per process: later calls are
 * answered from memory), so operators can see and act on it before anything goes wrong. A failure
 * costs the caller nothing: the first change of the destination's state writes the record anyway.
 */
async function rememberDestination(deps: AppDependencies, destination: string): Promise<void> {
  try {
    await deps.destinations.remember(destination);
  } catch (error) {
    deps.logger.warn({ destination, err: error }, 'destination not recorded; its first change of state records it');
  }
}

function created(deps: AppDependencies, notification: Notification): AcceptResult {
  deps.metrics.count('NotificationsAccepted');
  return { outcome: 'created', notification };
}

/** The answer to a request whose idempotency key is taken: the stored record, or 409 for other content. */
function replayOf(existing: Notification, request: Notification): AcceptResult {
  if (existing.requestHash !== request.requestHash) {
    throw new HeraldError(
      'IDEMPOTENCY_CONFLICT',
      `Idempotency key ${JSON.stringify(request.idempotencyKey)} was already used for a different request`,
    );
  }
  return { outcome: 'replayed', notification: existing };
}
