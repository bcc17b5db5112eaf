import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { ATTEMPT_HEADER, CORRELATION_ID_HEADER, NOTIFICATION_ID_HEADER } from '../domain/headers.js';
import { decideAfterAttempt, isBudgetExhausted } from '../domain/lifecycle.js';
import {
  type DeliveryAttempt,
  encodeBody,
  headersForBody,
  isFinal,
  type Notification,
} from '../domain/notification.js';
import { classifyExchange, type HttpExchange, interruptedAttempt } from '../domain/outcome.js';
import { parseRetryAfter } from '../domain/retry-policy.js';
import type { AppDependencies } from './dependencies.js';
import type { DeliveryTicket } from './destination-gate.js';
import { signingHeaders } from './signing-headers.js';

/**
 * What the queue should do with the message that carried the notification: `done` — delete it;
 * `retryLater` — replace it with one visible after `delayMs` (a scheduled retry, or a message that
 * arrived while another worker holds the notification or before its next attempt is due);
 * `redeliver` — leave it, so the queue hands it out again after its visibility timeout.
 */
export type DeliveryOutcome =
  | { action: 'done' }
  | { action: 'retryLater'; delayMs: number; destination?: string; heldSince?: number }
  | { action: 'redeliver' };

const DONE: DeliveryOutcome = { action: 'done' };

/**
 * A deferred message is looked at again no sooner than this: after another worker's lease lapses,
 * and never in a tight loop when a claim keeps losing races.
 */
const MIN_DEFER_MS = 1000;

/**
 * Ingest sends the message before it stores the record (accept-notification.ts), so a message may
 * name a record that is not stored yet — its put is in flight, milliseconds behind — or never will
 * be (the store failed and the caller got 503). On a message's first receive the worker looks again
 * after each of these waits; then the message is left for redelivery (a whole visibility timeout
 * later), and dropped on its RECEIVES_BEFORE_UNKNOWN_IS_DROPPED-th receive. A record that was stored
 * after all but never claimed is the sweeper's.
 */
const NOT_STORED_YET_WAITS_MS = [25, 50, 100, 200, 400, 800];
const RECEIVES_BEFORE_UNKNOWN_IS_DROPPED = 3;

/** What an attempt came to: the status recorded, or `lost` when another worker's record stood. */
export type AttemptOutcome = { status: 'SUCCESS' | 'FAILED' | 'lost' } | { status: 'QUEUED'; delayMs: number };

/**
 * A message-fed worker's use case (AWS, and the node server on AWS): ask the destination gate, claim,
 * send one attempt, record its outcome in one conditional write. A message that names its
 * destination is held back before the claim when the destination may not be sent to (paused, open,
 * saturated, rate limited): no store write, no attempt spent. Store failures propagate, so the
 * message is left for the queue to redeliver.
 */
export async function deliverNotification(
  deps: AppDependencies,
  notificationId: string,
  /** How many times the queue has handed out this message, this time included. */
  receiveCount = 1,
  /** The message's destination attribute, if it had one. */
  destination?: string,
  /** Since when the destination has held this message back (QueueMessage.heldSince), if it has. */
  heldSince?: number,
): Promise<DeliveryOutcome> {
  let ticket: DeliveryTicket | undefined;
  if (destination !== undefined) {
    const acquired = await deps.destinations.acquire(destination, 1);
    if (acquired.kind === 'wait') {
      const held = await keepWhileHeld(deps, notificationId, heldSince);
      return { ...holdBack(deps, notificationId, acquired), destination, heldSince: held };
    }
    ticket = acquired.tickets[0];
  }
  let claimed: Notification | DeliveryOutcome;
  try {
    claimed = await claimForMessage(deps, notificationId, receiveCount);
  } catch (error) {
    ticket?.cancel();
    throw error;
  }
  if ('action' in claimed) {
    ticket?.cancel();
    return claimed;
  }
  if (ticket === undefined || ticket.destination !== claimed.destination) {
    ticket?.cancel();
    const acquired = await deps.destinations.acquire(claimed.destination, 1);
    if (acquired.kind === 'wait') {
      // A message without its destination (sent by the sweeper, or before destinations existed): the
      // claim is given back, due when the destination opens, no attempt spent.
      const until = acquired.until?.toISOString() ?? null;
      await deps.store.release(notificationId, claimed, deps.clock.now().toISOString(), until);
      return { ...holdBack(deps, notificationId, acquired), destination: claimed.destination };
    }
    ticket = acquired.tickets[0] as DeliveryTicket;
  }
  const outcome = await attemptClaimed(deps, claimed, ticket);
  return outcome.status === 'QUEUED'
    ? { action: 'retryLater', delayMs: outcome.delayMs, destination: claimed.destination }
    : DONE;
}

/** The claimed notification, or what to do with a message whose notification cannot be claimed. */
async function claimForMessage(
  deps: AppDependencies,
  notificationId: string,
  receiveCount: number,
): Promise<Notification | DeliveryOutcome> {
  const claimedAt = deps.clock.now();
  const claim = () =>
    deps.store.claim(
      notificationId,
      claimedAt.toISOString(),
      new Date(claimedAt.getTime() + deps.leaseMs).toISOString(),
    );
  const claimed = await claim();
  if (claimed) return claimed;
  const current = await findRecord(deps, notificationId, receiveCount);
  // Never claimed and claimable: the first claim did not see the record yet (its put was in flight).
  if (current && current.attempts === 0 && (current.status === 'PENDING' || current.status === 'QUEUED')) {
    const second = await claim();
    if (second) return second;
  }
  // Without a second claim, `current` is what refused the first; after a lost second one it is a
  // little stale, and the message is looked at again no sooner than MIN_DEFER_MS.
  return explainUnclaimable(deps, notificationId, current, claimedAt, receiveCount);
}

/**
 * A message held back before any claim touches no record, so a store whose records expire by age
 * whatever their status (DynamoDB's TTL) is asked to keep the notification once a day of holding: a
 * destination paused for weeks must not lose what it holds. Returns when the held time counts from.
 */
async function keepWhileHeld(deps: AppDependencies, id: string, heldSince: number | undefined): Promise<number> {
  const now = deps.clock.now().getTime();
  if (heldSince === undefined) return now;
  if (deps.store.retain === undefined || now - heldSince < RETAIN_HELD_EVERY_MS) return heldSince;
  await deps.store.retain(id, new Date(now).toISOString());
  return now;
}

/** How often a notification held back by its destination asks its store to keep it. */
const RETAIN_HELD_EVERY_MS = 24 * 3600 * 1000;

/**
 * A paused destination's messages are looked at again this often by default (so a resume takes
 * effect within it); AppDependencies.pausedRecheckMs overrides it.
 */
export const PAUSED_RECHECK_MS = 20_000;

function holdBack(deps: AppDependencies, notificationId: string, wait: { until: Date | null; reason: string }) {
  const untilMs =
    wait.until === null
      ? (deps.pausedRecheckMs ?? PAUSED_RECHECK_MS)
      : wait.until.getTime() - deps.clock.now().getTime();
  const delayMs = Math.max(MIN_DEFER_MS, untilMs);
  deps.logger.debug({ notificationId, reason: wait.reason, delayMs }, 'destination holds the message back');
  return { action: 'retryLater', delayMs } satisfies DeliveryOutcome;
}

/**
 * Sends one attempt of a claimed notification and records its outcome in one conditional write;
 * both modes' workers call it with the destination's ticket, which it finishes.
 */
export async function attemptClaimed(
  deps: AppDependencies,
  claim: Notification,
  ticket: DeliveryTicket,
): Promise<AttemptOutcome> {
  let claimed = claim;
  if (claimed.claimedFrom === 'PROCESSING') {
    const interrupted = await recordInterruption(deps, claimed);
    if (interrupted !== 'continue') {
      ticket.cancel();
      return interrupted;
    }
    claimed = { ...claimed, attempts: claimed.attempts + 1 };
  }
  const notificationId = claimed.id;
  const attemptNumber = claimed.attempts + 1;
  const log = (fields: Record<string, unknown>) => ({
    notificationId,
    destination: claimed.destination,
    attempt: attemptNumber,
    ...fields,
  });
  const correlationId = randomUUID();
  const body = encodeBody(claimed.body);
  let exchange: HttpExchange;
  try {
    exchange = await deps.sender.send({
      url: claimed.url,
      method: claimed.method,
      headers: {
        ...headersForBody(claimed.headers, claimed.body),
        [NOTIFICATION_ID_HEADER]: claimed.id,
        [ATTEMPT_HEADER]: String(attemptNumber),
        [CORRELATION_ID_HEADER]: correlationId,
        ...(await signingHeaders(deps, claimed, body)),
      },
      body,
      timeoutMs: claimed.timeoutMs,
    });
  } catch (error) {
    ticket.cancel();
    throw error;
  }

  const finishedAt = deps.clock.now();
  const result = classifyExchange(exchange, finishedAt.toISOString(), correlationId);
  const retryAfter = exchange.kind === 'response' ? exchange.retryAfter : null;
  // The slot is free once the vendor answered; the destination's state is written meanwhile.
  const destinationRecorded = ticket.finish(result, parseRetryAfter(retryAfter, finishedAt), claimed.timeoutMs);
  const decision = decideAfterAttempt(claimed, result, retryAfter, deps.retryPolicy, deps.random, finishedAt);
  const attempt: DeliveryAttempt = { ...result, attempt: attemptNumber };

  const recorded = await deps.store
    .recordAttempt(notificationId, claimed, {
      status: decision.status,
      attempt,
      at: finishedAt.toISOString(),
      nextAttemptAt: decision.nextAttemptAt,
    })
    .finally(() => destinationRecorded);
  if (!recorded) {
    // Our lease lapsed and another worker claimed and finished first; its record stands.
    deps.logger.warn(log({ category: result.category }), 'attempt outcome not recorded: another worker owns it');
    return { status: 'lost' };
  }

  reportAttempt(deps, claimed, attempt, decision.status, finishedAt, log);
  return decision.status === 'QUEUED' ? { status: 'QUEUED', delayMs: decision.delayMs } : { status: decision.status };
}

/**
 * The claim took the notification from PROCESSING: the worker of the previous claim stopped before it
 * recorded its attempt, which the vendor may have received. That attempt goes into the history first,
 * counting against the budget; when it was the last one the notification ends FAILED (WORKER_LOST)
 * without another send. `continue`: recorded, this claim goes on with the next attempt.
 */
async function recordInterruption(deps: AppDependencies, claimed: Notification): Promise<AttemptOutcome | 'continue'> {
  const at = deps.clock.now().toISOString();
  const attempt: DeliveryAttempt = { ...interruptedAttempt(at, randomUUID()), attempt: claimed.attempts + 1 };
  const exhausted = isBudgetExhausted(claimed, claimed.attempts + 1);
  const status = exhausted ? 'FAILED' : 'PROCESSING';
  const recorded = await deps.store.recordAttempt(claimed.id, claimed, { status, attempt, at, nextAttemptAt: null });
  if (!recorded) return { status: 'lost' };
  const fields = { notificationId: claimed.id, destination: claimed.destination, attempt: attempt.attempt };
  if (!exhausted) {
    deps.logger.warn(fields, 'previous attempt interrupted (its worker stopped); recorded, attempting again');
    return 'continue';
  }
  reportAttempt(deps, claimed, attempt, 'FAILED', new Date(at), (more) => ({ ...fields, ...more }));
  return { status: 'FAILED' };
}

function reportAttempt(
  deps: AppDependencies,
  claimed: Notification,
  attempt: DeliveryAttempt,
  status: Notification['status'],
  finishedAt: Date,
  log: (fields: Record<string, unknown>) => Record<string, unknown>,
): void {
  deps.metrics.timing('AttemptResponseTime', attempt.responseTime);
  deps.metrics.count('DeliveryAttempts', 1, { category: attempt.category });
  const fields = log({
    status,
    category: attempt.category,
    statusCode: attempt.statusCode,
    responseTime: attempt.responseTime,
    errorCode: attempt.errorDetails?.code,
  });
  if (status === 'SUCCESS') {
    deps.metrics.count('NotificationsDelivered');
    deps.metrics.timing('DeliveryLatency', finishedAt.getTime() - Date.parse(claimed.createdAt));
    deps.logger.info(fields, 'delivered');
  } else if (status === 'FAILED') {
    deps.metrics.count('NotificationsFailed');
    deps.logger.warn(fields, 'delivery failed for good');
  } else {
    deps.metrics.count('DeliveryRetriesScheduled');
    deps.logger.info(fields, 'attempt failed; retry scheduled');
  }
}

/**
 * The record, waiting for one that is missing on a message's first receive (its put may be in flight).
 * Only its state is looked at, so not its body.
 */
async function findRecord(deps: AppDependencies, id: string, receiveCount: number): Promise<Notification | undefined> {
  const waits = receiveCount === 1 ? NOT_STORED_YET_WAITS_MS : [];
  for (const waitMs of [0, ...waits]) {
    if (waitMs > 0) await setTimeout(waitMs);
    const record = await deps.store.get(id, { body: false });
    if (record) return record;
  }
  return undefined;
}

/** The claim was refused: find out whether the message is obsolete or merely early. */
function explainUnclaimable(
  deps: AppDependencies,
  id: string,
  current: Notification | undefined,
  now: Date,
  receiveCount: number,
): DeliveryOutcome {
  if (!current) {
    if (receiveCount < RECEIVES_BEFORE_UNKNOWN_IS_DROPPED) {
      deps.logger.info(
        { notificationId: id, receiveCount },
        'message for a notification not stored yet; redelivered later',
      );
      return { action: 'redeliver' };
    }
    deps.logger.warn({ notificationId: id, receiveCount }, 'message for an unknown notification dropped');
    return DONE;
  }
  if (isFinal(current.status)) return DONE;
  const until = current.status === 'PROCESSING' ? current.leaseExpiresAt : current.nextAttemptAt;
  const remaining = until === null ? 0 : Date.parse(until) - now.getTime();
  const delayMs = Math.max(MIN_DEFER_MS, remaining + (current.status === 'PROCESSING' ? MIN_DEFER_MS : 0));
  deps.logger.debug({ notificationId: id, status: current.status, delayMs }, 'not claimable yet; message deferred');
  return { action: 'retryLater', delayMs };
}
