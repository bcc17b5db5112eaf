import type { DeliveryAttempt } from '../../domain/notification.js';
import { LIMITS } from '../../domain/request-schema.js';
import type { AttemptRecord, Claim } from '../../ports/notification-store.js';
import { Expression, updateExpression } from './expression.js';
import { failedPartition, indexShard, leaveFailedIndex, reopenedPartition } from './index-partitions.js';
import { expiresAtFrom, type Item } from './items.js';
import { CREATED_INDEX, FAILED_INDEX, KEY, TTL_ATTRIBUTE } from './table-schema.js';

/*
 * Every transition is one conditional UpdateItem of the STATE item; these build them. The condition
 * is the port's expected current state, so a lost race is a refused write, not a second transition.
 *
 * History is bounded to HISTORY_LIMIT entries as a ring: while it is shorter it grows with
 * list_append; after that attempt n overwrites slot (n - 1) % HISTORY_LIMIT in the same single
 * UpdateItem (a SET on the list and a REMOVE of its head would overlap, which DynamoDB refuses).
 * Readers sort entries by `attempt`, so the ring reads oldest first. `attempts` and the history
 * length move together in that one write, which is what makes `claimedAttempts` the next slot.
 */

/** The most recent attempts kept in a notification's history (maxAttempts is at most 25 too). */
const HISTORY_LIMIT = LIMITS.attemptHistory;

export interface StateUpdate {
  expression: Expression;
  update: string;
  condition: string;
}

/** PENDING (or no STATE item yet) → QUEUED. */
export function queuedUpdate(at: string): StateUpdate {
  const e = new Expression();
  const update = updateExpression(
    [e.equals('status', 'QUEUED'), e.equals('lastUpdatedAt', at), ...initialStateAttributes(e, at)],
    leaveFailedIndex(e),
  );
  const condition = `attribute_not_exists(${e.name(KEY.partition)}) OR ${e.equals('status', 'PENDING')}`;
  return { expression: e, update, condition };
}

/**
 * Never attempted and not PROCESSING (no STATE item yet, or PENDING/QUEUED with no attempt) →
 * PENDING, indexed by `at` like a reopened notification so the sweeper finds it: a record without
 * a STATE item that has one now is no longer the sweeper's from its creation minute.
 */
export function pendingUpdate(id: string, at: string): StateUpdate {
  const e = new Expression();
  const update = updateExpression(
    [
      e.equals('status', 'PENDING'),
      e.equals('lastUpdatedAt', at),
      e.equals(FAILED_INDEX.partition, reopenedPartition(indexShard(id))),
      e.equals(FAILED_INDEX.sort, `${at}#${id}`),
      ...initialStateAttributes(e, at),
    ],
    [],
  );
  const status = e.name('status');
  const condition = `attribute_not_exists(${e.name(KEY.partition)}) OR ((${status} = ${e.value('PENDING')} OR ${status} = ${e.value('QUEUED')}) AND ${e.equals('attempts', 0)})`;
  return { expression: e, update, condition };
}

/**
 * Whatever is claimable at `at` → PROCESSING with a lease; `request` is the notification's REQUEST item,
 * `expiresAt` its TTL as renewed for this claim (retention.ts), which the STATE item takes too.
 */
export function claimUpdate(
  request: Item,
  at: string,
  leaseExpiresAt: string,
  expiresAt: number | undefined,
): StateUpdate {
  const e = new Expression();
  const update = updateExpression(
    [
      // Operands are read before the update: the status the claim takes it from (none yet: PENDING).
      `${e.name('claimedFrom')} = if_not_exists(${e.name('status')}, ${e.value('PENDING')})`,
      e.equals('status', 'PROCESSING'),
      e.equals('leaseExpiresAt', leaseExpiresAt),
      e.equals('lastUpdatedAt', at),
      e.initialize('listSortKey', String(request[CREATED_INDEX.sort])),
      ...renewedStateAttributes(e, String(request.createdAt), expiresAt),
    ],
    leaveFailedIndex(e),
  );
  const status = e.name('status');
  const atValue = e.value(at);
  const nextAttemptAt = e.name('nextAttemptAt');
  // A QUEUED record whose retry is not due yet is not claimable: its message arrived early.
  const condition = [
    `attribute_not_exists(${e.name(KEY.partition)})`,
    `${status} = ${e.value('PENDING')}`,
    `(${status} = ${e.value('QUEUED')} AND (attribute_not_exists(${nextAttemptAt}) OR ${nextAttemptAt} <= ${atValue}))`,
    `(${status} = ${e.value('PROCESSING')} AND ${e.name('leaseExpiresAt')} < ${atValue})`,
  ].join(' OR ');
  return { expression: e, update, condition };
}

/**
 * PROCESSING under `claim` (its attempt count and its lease, the fencing token) → the record's status,
 * the attempt added to the history; PROCESSING keeps the claim (an interrupted attempt recorded).
 */
export function attemptUpdate(id: string, claim: Claim, record: AttemptRecord): StateUpdate {
  const claimedAttempts = claim.attempts;
  const e = new Expression();
  const sets = [
    e.equals('status', record.status),
    `${e.name('attempts')} = ${e.name('attempts')} + ${e.value(1)}`,
    e.equals('lastDeliveryAttempt', record.attempt.timestamp),
    e.equals('lastUpdatedAt', record.at),
    historyWrite(e, claimedAttempts, record.attempt),
  ];
  const keepsClaim = record.status === 'PROCESSING';
  const removes = keepsClaim ? [] : [e.name('leaseExpiresAt')];
  if (record.nextAttemptAt === null) removes.push(e.name('nextAttemptAt'));
  else sets.push(e.equals('nextAttemptAt', record.nextAttemptAt));
  if (record.status === 'SUCCESS') sets.push(e.equals('deliveredAt', record.at));
  if (record.status === 'FAILED') {
    sets.push(
      e.equals(FAILED_INDEX.partition, failedPartition(indexShard(id))),
      // listSortKey was copied from the REQUEST by claim; the fallback only guards a damaged item.
      `${e.name(FAILED_INDEX.sort)} = if_not_exists(${e.name('listSortKey')}, ${e.value(`${record.at}#${id}`)})`,
    );
  } else {
    removes.push(...leaveFailedIndex(e));
  }
  return { expression: e, update: updateExpression(sets, removes), condition: claimCondition(e, claim) };
}

/** The claim is still the current one: PROCESSING, its attempt count, its lease. */
function claimCondition(e: Expression, claim: Claim): string {
  return `${e.equals('status', 'PROCESSING')} AND ${e.equals('attempts', claim.attempts)} AND ${e.equals('leaseExpiresAt', claim.leaseExpiresAt ?? '')}`;
}

/** PROCESSING under `claim` → QUEUED, due at `nextAttemptAt` (absent: at once); no attempt spent. */
export function releaseUpdate(claim: Claim, at: string, nextAttemptAt: string | null): StateUpdate {
  const e = new Expression();
  const sets = [e.equals('status', 'QUEUED'), e.equals('lastUpdatedAt', at)];
  const removes = [e.name('leaseExpiresAt')];
  if (nextAttemptAt === null) removes.push(e.name('nextAttemptAt'));
  else sets.push(e.equals('nextAttemptAt', nextAttemptAt));
  return { expression: e, update: updateExpression(sets, removes), condition: claimCondition(e, claim) };
}

/**
 * PENDING or QUEUED (no STATE item yet included: a notification as ingested) → CANCELLED, out of the
 * sparse index (a reopened or re-pended one sits under `P#`), so neither the sweeper nor a claim
 * takes it again; a message still in the queue finds it final and is dropped.
 */
export function cancelUpdate(at: string): StateUpdate {
  const e = new Expression();
  const update = updateExpression(
    [e.equals('status', 'CANCELLED'), e.equals('lastUpdatedAt', at), ...initialStateAttributes(e, at)],
    [e.name('nextAttemptAt'), e.name('leaseExpiresAt'), ...leaveFailedIndex(e)],
  );
  const status = e.name('status');
  const condition = `attribute_not_exists(${e.name(KEY.partition)}) OR ${status} = ${e.value('PENDING')} OR ${status} = ${e.value('QUEUED')}`;
  return { expression: e, update, condition };
}

/**
 * FAILED → PENDING with a fresh budget, indexed by reopen time so the sweeper can find it; `expiresAt`
 * is the REQUEST's TTL as renewed for this reopen (retention.ts).
 */
export function reopenUpdate(id: string, at: string, expiresAt: number | undefined): StateUpdate {
  const e = new Expression();
  const update = updateExpression(
    [
      e.equals('status', 'PENDING'),
      `${e.name('attemptBudgetStart')} = ${e.name('attempts')}`,
      e.equals('lastUpdatedAt', at),
      e.equals(FAILED_INDEX.partition, reopenedPartition(indexShard(id))),
      e.equals(FAILED_INDEX.sort, `${at}#${id}`),
      ...(expiresAt === undefined ? [] : [e.equals(TTL_ATTRIBUTE, expiresAt)]),
    ],
    [e.name('nextAttemptAt'), e.name('leaseExpiresAt')],
  );
  return { expression: e, update, condition: e.equals('status', 'FAILED') };
}

/** An existing STATE item's TTL → `expiresAt` (its REQUEST's, renewed: retention.ts); no status change. */
export function stateExpiryUpdate(expiresAt: number): StateUpdate {
  const e = new Expression();
  const update = updateExpression([e.equals(TTL_ATTRIBUTE, expiresAt)], []);
  return { expression: e, update, condition: `attribute_exists(${e.name(KEY.partition)})` };
}

/** Attributes a STATE item needs whichever transition creates it; retention counts from `retainedFrom`. */
function initialStateAttributes(e: Expression, retainedFrom: string): string[] {
  const sets = [e.initialize('attempts', 0), e.initialize('attemptBudgetStart', 0)];
  const expiresAt = expiresAtFrom(retainedFrom);
  if (expiresAt !== undefined) sets.push(e.initialize(TTL_ATTRIBUTE, expiresAt));
  return sets;
}

/**
 * As initialStateAttributes, but the STATE item's TTL follows its REQUEST's as renewed (`expiresAt`),
 * an existing one included, so the two items expire together.
 */
function renewedStateAttributes(e: Expression, retainedFrom: string, expiresAt: number | undefined): string[] {
  if (expiresAt === undefined) return initialStateAttributes(e, retainedFrom);
  return [e.initialize('attempts', 0), e.initialize('attemptBudgetStart', 0), e.equals(TTL_ATTRIBUTE, expiresAt)];
}

/** The SET clause that puts `attempt` into the history ring: appended, or over the oldest entry. */
function historyWrite(e: Expression, claimedAttempts: number, attempt: DeliveryAttempt): string {
  const history = e.name('history');
  return claimedAttempts < HISTORY_LIMIT
    ? `${history} = list_append(if_not_exists(${history}, ${e.value([])}), ${e.value([attempt])})`
    : `${history}[${claimedAttempts % HISTORY_LIMIT}] = ${e.value(attempt)}`;
}
