import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BackendUnavailableError } from '../../domain/errors.js';
import { type DeliveryAttempt, type Notification, STATUSES, type Status } from '../../domain/notification.js';
import { type Logger, silentLogger } from '../../ports/logger.js';
import type {
  AttemptRecord,
  Claim,
  InsertOutcome,
  ListPage,
  ListQuery,
  NotificationStats,
  NotificationStore,
  ReadOptions,
} from '../../ports/notification-store.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { decodeCursor } from '../cursor.js';
import { listingScope } from '../listing-scope.js';
import { countFailed } from './failure-count.js';
import { historyOf, type Item, toNotification } from './items.js';
import { listByCreatedAt, listFailed, type MinuteWalk } from './listing.js';
import { readBothItems, readRequest, requestExists } from './notification-reads.js';
import { putRequest, updateState } from './notification-writes.js';
import { RecentSet } from './recent-set.js';
import { RequestBodies } from './request-bodies.js';
import { renewRequest } from './retention.js';
import { listStalePending } from './stale-pending.js';
import {
  attemptUpdate,
  cancelUpdate,
  claimUpdate,
  pendingUpdate,
  queuedUpdate,
  releaseUpdate,
  reopenUpdate,
  stateExpiryUpdate,
} from './state-updates.js';
import { openTable, type Table } from './table.js';
import { readEpoch, writeEpoch } from './table-epoch.js';
import { KEY, RETENTION_DAYS, TTL_ATTRIBUTE } from './table-schema.js';

/*
 * The table layout is table-schema.ts; items.ts has the attributes of each item, index-partitions.ts
 * the index partitions, state-updates.ts the transitions and the history ring, request-bodies.ts the
 * bodies over 8 KiB kept in the object store (S3).
 *
 * DynamoDB calls per method (normal path; "read" = GetItem/Query of one notification):
 *   insert          1 PutItem (+1 Query when the id exists: the dedup answer), after 1 PutObject for a
 *                   large body; the first insert of a
 *                   store instance also writes the table epoch alongside: +1 conditional PutItem, once
 *                   (again by the next insert if it failed; its failure never fails the insert)
 *   get             1 Query (both items, strongly consistent)
 *   (a large body)  +1 GetObject wherever a notification is returned with its body: get, claim, cancel,
 *                   reopen, an insert's dedup answer (never for a listing: it has no bodies); always before any write of the
 *                   method, so an unreadable body changes nothing
 *   listAttempts    1 Query (projected to the history)
 *   markQueued      1 UpdateItem (+1 GetItem of the REQUEST key if this instance neither inserted nor
 *                   read the id: without transactions that is the only way to refuse an unknown id
 *                   instead of creating an orphan STATE item; ingest, sweeper and retry never pay it)
 *   markPending     like markQueued (ingest calls it only when its send failed)
 *   claim           1 GetItem of the REQUEST, eventually consistent (it never changes once written but
 *                   for its expiry; +1 strongly consistent GetItem only if it is not visible yet) +
 *                   1 UpdateItem; a notification over a day old also renews its REQUEST item (and
 *                   body object), at most once a day of its life: +1 UpdateItem (+1 PutObject), retention.ts
 *   recordAttempt   1 UpdateItem
 *   release         1 UpdateItem (a claim given back: its destination may not be sent to now)
 *   retain          1 GetItem of the REQUEST (+1 GetObject for a large body); when it renews (at most
 *                   once a day of a held notification's life): +1 UpdateItem of the REQUEST (+1
 *                   PutObject) and +1 UpdateItem of the STATE item if there is one
 *   reopen          1 GetItem of the REQUEST, then 1 UpdateItem; renews like claim (the body object
 *                   only when the body was read)
 *   stats           INDEX_SHARDS Queries (Select COUNT) of the sparse index's F# partitions (failure-count.ts)
 *   cancel          1 GetItem of the REQUEST (eventually consistent) + 1 UpdateItem
 *   list FAILED     (status FAILED alone, any created range) INDEX_SHARDS Queries on the sparse index +
 *                   BatchGetItem of the page (2 keys each)
 *   list (other)    per page, at most minutesPerPage × INDEX_SHARDS Queries of byCreatedMinute (walking
 *                   back from the cursor, createdBefore or now, to createdAfter) + BatchGetItem of at
 *                   most MAX_CANDIDATES_PER_PAGE candidates (other destinations' entries are skipped
 *                   unread, at most MAX_ENTRIES_PER_PAGE read; listing.ts); the walk ends at the table
 *                   epoch, so a young table's pages cost only the minutes since it; +1 GetItem of the
 *                   epoch until this instance has found it (none yet: an empty page, no Query)
 *   listStalePending 1 GetItem of the sweep watermarks (+1 GetItem of the epoch until the first sweep
 *                   wrote them) + for each of the two passes (a minute and an hour behind), INDEX_SHARDS
 *                   Queries per minute bucket from its watermark to its cutoff (2 buckets on a one-minute
 *                   schedule, at most sweepMinutesPerRun) + BatchGetItem of the STATE items of the
 *                   notifications created in those minutes (each is checked about twice in all) + at most
 *                   1 conditional UpdateItem of its watermark (sweep-watermark.ts); + INDEX_SHARDS Queries
 *                   of the `P#` partitions
 */

/** One day of minute buckets per sweep: a sweep after a long outage catches up a day per run. */
const DEFAULT_SWEEP_MINUTES_PER_RUN = 24 * 60;
/** One day of empty minutes per listing page: 11,520 small Queries at most. */
const DEFAULT_LIST_MINUTES_PER_PAGE = 24 * 60;
/** Ids this instance knows to have a REQUEST item; bounded so a long-lived process stays small. */
const KNOWN_IDS_CAPACITY = 10_000;

export interface DynamoDbStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /**
   * The most minute buckets (INDEX_SHARDS Queries each) one `listStalePending` walks past the sweep
   * watermark (sweep-watermark.ts); the next call goes on from there. Default 1,440.
   */
  sweepMinutesPerRun?: number;
  /** The clock of the non-FAILED listing, which walks minute buckets back from now. Default Date.now. */
  now?: () => number;
  /**
   * How far back from now that listing walks before it ends. Default RETENTION_DAYS: nothing older
   * is kept. Tests whose data sits in a short fixed span set it small.
   */
  listLookbackMinutes?: number;
  /** The most minute buckets one listing page examines (INDEX_SHARDS Queries each). Default 1,440. */
  listMinutesPerPage?: number;
  /** Where a failed table-epoch write is reported (it fails no caller). Default: nowhere. */
  logger?: Logger;
  /** Where bodies over BODY_OBJECT_THRESHOLD_BYTES are kept (an S3 bucket), named by their REQUEST item. */
  bodyObjects: ObjectStore;
}

/**
 * The NotificationStore on one DynamoDB table (table-schema.ts), without transactions: every state
 * change is one conditional UpdateItem on the small STATE item, the large REQUEST item is written once.
 *
 * Reads that feed listings (`list`, `listStalePending`) are eventually consistent: a listing may lag a
 * transition by a moment, and the sweeper may enqueue a notification twice, which only costs a
 * refused claim. `get`, `listAttempts` and the conditional writes are strongly consistent.
 */
export class DynamoDbStore implements NotificationStore {
  private readonly table: Table;
  private readonly sweepMinutesPerRun: number;
  private readonly knownIds = new RecentSet(KNOWN_IDS_CAPACITY);
  private readonly now: () => number;
  private readonly listWalk: Omit<MinuteWalk, 'now' | 'epoch'>;
  private readonly logger: Logger;
  private readonly bodies: RequestBodies;
  /** The epoch write of this instance in flight, started by its first insert (table-epoch.ts). */
  private epochWrite: Promise<void> | undefined;
  /** Set once this instance has seen the table's epoch written (by itself or another). */
  private epochWritten = false;
  /** The earliest createdAt this instance stored while its epoch write had not succeeded. */
  private epochFrom: string | undefined;
  /** The table's epoch once known: it never changes. */
  private epoch: number | undefined;

  constructor(options: DynamoDbStoreOptions) {
    this.table = openTable(options.client, options.tableName);
    this.sweepMinutesPerRun = options.sweepMinutesPerRun ?? DEFAULT_SWEEP_MINUTES_PER_RUN;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.bodies = new RequestBodies(options.bodyObjects);
    this.listWalk = {
      lookbackMinutes: options.listLookbackMinutes ?? RETENTION_DAYS * 24 * 60,
      minutesPerPage: options.listMinutesPerPage ?? DEFAULT_LIST_MINUTES_PER_PAGE,
    };
  }

  async insert(notification: Notification): Promise<InsertOutcome> {
    // A large body's object is written first, so the item that names it never names nothing.
    const body = await this.bodies.attributes(notification);
    // A duplicate whose original expired (TTL) between our put and our read is retried once.
    for (let round = 0; round < 2; round++) {
      const [put] = await Promise.all([
        putRequest(this.table, notification, body),
        this.writeEpochOnce(notification.createdAt),
      ]);
      this.knownIds.add(notification.id);
      if (put) return { inserted: true };
      const existing = await this.get(notification.id);
      if (existing) return { inserted: false, existing };
    }
    throw new BackendUnavailableError('dynamodb', new Error(`insert of ${notification.id} kept conflicting`));
  }

  async get(id: string, options: ReadOptions = {}): Promise<Notification | undefined> {
    const { request, state } = await readBothItems(this.table, id);
    if (!request) return undefined;
    this.knownIds.add(id);
    return toNotification(await this.withBody(request, options), state);
  }

  async listAttempts(id: string): Promise<DeliveryAttempt[] | undefined> {
    const { request, state } = await readBothItems(this.table, id, [KEY.sort, 'history']);
    if (!request) return undefined;
    return historyOf(state);
  }

  async list(query: ListQuery): Promise<ListPage> {
    const limit = Math.max(1, Math.floor(query.limit));
    const { cursor, limit: _limit, ...filter } = query;
    const scope = listingScope(filter);
    const boundary = cursor === undefined ? undefined : decodeCursor(cursor, scope, 1)[0];
    const statuses = new Set(filter.statuses ?? []);
    // Only failures have an index of their own; every other filter walks the created-at buckets.
    if (filter.destination === undefined && statuses.size === 1 && statuses.has('FAILED')) {
      return listFailed(this.table, filter, limit, boundary, scope);
    }
    this.epoch ??= await readEpoch(this.table);
    return listByCreatedAt(
      this.table,
      filter,
      limit,
      boundary,
      { ...this.listWalk, now: this.now(), epoch: this.epoch },
      scope,
    );
  }

  async markQueued(id: string, at: string): Promise<boolean> {
    if (!(await this.isKnown(id))) return false;
    return (await updateState(this.table, id, queuedUpdate(at))) !== undefined;
  }

  async markPending(id: string, at: string): Promise<boolean> {
    if (!(await this.isKnown(id))) return false;
    return (await updateState(this.table, id, pendingUpdate(id, at))) !== undefined;
  }

  async claim(id: string, at: string, leaseExpiresAt: string): Promise<Notification | undefined> {
    // The body is read before the claim is taken: if S3 cannot give it, nothing has changed, and the
    // message comes back later instead of leaving a claim whose attempt was never sent.
    const request = await this.readRequestAndRemember(id, {});
    if (!request) return undefined;
    const expiresAt = await renewRequest(this.table, this.bodies, request, at);
    const claimed = await updateState(this.table, id, claimUpdate(request, at, leaseExpiresAt, expiresAt), 'ALL_NEW');
    return claimed ? toNotification(request, claimed.Attributes) : undefined;
  }

  async recordAttempt(id: string, claim: Claim, record: AttemptRecord): Promise<boolean> {
    return (await updateState(this.table, id, attemptUpdate(id, claim, record))) !== undefined;
  }

  async release(id: string, claim: Claim, at: string, nextAttemptAt: string | null): Promise<boolean> {
    return (await updateState(this.table, id, releaseUpdate(claim, at, nextAttemptAt))) !== undefined;
  }

  async reopen(id: string, at: string, options: ReadOptions = {}): Promise<Notification | undefined> {
    // The REQUEST (and a large body) is read first, so a body S3 cannot give fails the retry before it
    // is made; a refused reopen (rare: an operator retrying something not FAILED) wastes that read.
    const request = await this.readRequestAndRemember(id, options);
    if (!request) return undefined;
    const expiresAt = await renewRequest(this.table, this.bodies, request, at);
    const reopened = await updateState(this.table, id, reopenUpdate(id, at, expiresAt), 'ALL_NEW');
    return reopened ? toNotification(request, reopened.Attributes) : undefined;
  }

  /**
   * Renews a notification held back by its destination, as a claim would (retention.ts): its REQUEST
   * item and body object, and its STATE item when it has one (a notification never claimed has none,
   * and is not given one).
   */
  async retain(id: string, at: string): Promise<void> {
    const request = await this.readRequestAndRemember(id, {});
    if (!request) return;
    const before = request[TTL_ATTRIBUTE];
    const expiresAt = await renewRequest(this.table, this.bodies, request, at);
    if (expiresAt === undefined || expiresAt === before) return;
    await updateState(this.table, id, stateExpiryUpdate(expiresAt));
  }

  async cancel(id: string, at: string): Promise<Notification | undefined> {
    // The REQUEST is read first: without it the update would create an orphan STATE item (and, as
    // for reopen, an unreadable body fails the cancel before it is made).
    const request = await this.readRequestAndRemember(id, {});
    if (!request) return undefined;
    const cancelled = await updateState(this.table, id, cancelUpdate(at), 'ALL_NEW');
    return cancelled ? toNotification(request, cancelled.Attributes) : undefined;
  }

  /**
   * Without transactions or streams nothing keeps counters cheaply, and counting the created-minute
   * index would read every notification: only FAILED is counted (countFailed); the use case may add
   * the queue's approximate depth. `oldestDueAt` is unknown here.
   */
  async stats(_at: string): Promise<NotificationStats> {
    const failed = await countFailed(this.table);
    const byStatus = Object.fromEntries(STATUSES.map((status) => [status, null])) as Record<Status, number | null>;
    byStatus.FAILED = failed ?? null;
    return { byStatus, oldestDueAt: null, exact: false };
  }

  async listStalePending(olderThan: string, limit: number): Promise<string[]> {
    const ids = await listStalePending(this.table, olderThan, limit, this.sweepMinutesPerRun);
    for (const id of ids) this.knownIds.add(id);
    return ids;
  }

  /**
   * Makes sure the table has an epoch no later than this notification's createdAt (minus the margin),
   * once per instance: later inserts share the first write and cost nothing. Finding an epoch
   * already there is the usual case.
   *
   * Never rejects: the epoch only bounds how far back a listing walks, while the REQUEST put beside
   * it is what the caller waits for. Failing the insert for it would answer 503 for a notification
   * that is stored (and, without a key, already enqueued), which the caller would then resend. A
   * failed write is logged and tried again by the next insert, from the earliest createdAt stored
   * meanwhile, so the epoch still precedes every notification of this instance.
   */
  private writeEpochOnce(createdAt: string): Promise<void> {
    if (this.epochWritten) return Promise.resolve();
    // ISO 8601 UTC timestamps of one format order as strings do.
    if (this.epochFrom === undefined || createdAt < this.epochFrom) this.epochFrom = createdAt;
    this.epochWrite ??= writeEpoch(this.table, this.epochFrom).then(
      (written) => {
        this.epochWritten = true;
        if (written !== undefined) this.epoch ??= written;
      },
      (error: unknown) => {
        this.epochWrite = undefined;
        this.logger.warn(
          { err: error, epochFrom: this.epochFrom },
          'table epoch not written; the next insert tries again (listings may miss notifications until then)',
        );
      },
    );
    return this.epochWrite;
  }

  /**
   * Whether the notification exists: an update of an unknown id would create an orphan STATE item.
   * Answered from memory for ids this instance inserted or read.
   */
  private async isKnown(id: string): Promise<boolean> {
    if (this.knownIds.has(id)) return true;
    if (!(await requestExists(this.table, id))) return false;
    this.knownIds.add(id);
    return true;
  }

  /**
   * The REQUEST item, its body in place unless `options` say it is not wanted; a found id is
   * remembered, so `markQueued` need not check it exists.
   */
  private async readRequestAndRemember(id: string, options: ReadOptions): Promise<Item | undefined> {
    const request = await readRequest(this.table, id);
    if (!request) return undefined;
    this.knownIds.add(id);
    return this.withBody(request, options);
  }

  private withBody(request: Item, options: ReadOptions): Promise<Item> {
    return options.body === false ? Promise.resolve(request) : this.bodies.complete(request);
  }
}
