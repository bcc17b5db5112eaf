import type { DeliveryAttempt, Notification, Status } from '../domain/notification.js';

export type InsertOutcome = { inserted: true } | { inserted: false; existing: Notification };

/** What a listing is narrowed to; every part is optional and they combine (AND). */
export interface ListFilter {
  /** Any of these statuses; absent or empty: every status. */
  statuses?: readonly Status[];
  /** Only this destination (an origin, as `destinationOf` writes it). */
  destination?: string;
  /** Created at or after this instant (ISO 8601 UTC as `toISOString` writes it). */
  createdAfter?: string;
  /** Created strictly before this instant: consecutive ranges tile without overlap. */
  createdBefore?: string;
}

export interface ListQuery extends ListFilter {
  limit: number;
  /**
   * Opaque, from a previous page's `nextCursor` of the same filter. Adapters throw
   * InvalidCursorError on a foreign one, or one issued for other filters.
   */
  cursor?: string;
}

/**
 * A notification as a listing returns it: everything but its body, which a listing never reads (a page
 * of a hundred 256 KiB bodies would be 25 MiB read, held and sent for a table of states).
 */
export type ListedNotification = Omit<Notification, 'body'>;

export interface ListPage {
  items: ListedNotification[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** How much of a notification a read returns. */
export interface ReadOptions {
  /**
   * False: the `body` may be left undefined. For callers that act on the state alone (the worker
   * explaining a refused claim, bulk recovery's retries): a store that keeps large bodies elsewhere (DynamoDB, in
   * S3) then saves that read. Default true: the notification whole.
   */
  body?: boolean;
}

/** The claim a write is conditional on: its attempt count and its lease (the fencing token). */
export type Claim = Pick<Notification, 'attempts' | 'leaseExpiresAt'>;

/** Counts for operators (GET /v1/stats); null where the backend cannot count cheaply. */
export interface NotificationStats {
  byStatus: Record<Status, number | null>;
  /**
   * The earliest time a notification still waiting (PENDING or QUEUED) became due, among those due
   * by `at` and not held by an operator's pause of their destination: how long the oldest due work
   * has waited. Null when nothing is due, or unknown.
   */
  oldestDueAt: string | null;
  /** Whether every number is an exact count of the store; false: some are null or approximate. */
  exact: boolean;
}

/**
 * The outcome of an attempt, written in one atomic, conditional step. PROCESSING records an attempt
 * and keeps the claim (an interrupted attempt found by the claim that follows it).
 */
export interface AttemptRecord {
  status: Extract<Status, 'SUCCESS' | 'QUEUED' | 'FAILED' | 'PROCESSING'>;
  attempt: DeliveryAttempt;
  at: string;
  nextAttemptAt: string | null;
}

/**
 * Where notifications live. Every state change is conditional on the expected current status, so
 * two workers or a worker and an operator can race safely: the loser gets `false`/`undefined`, never
 * an error (docs/design.md §1). Backend failures surface as BackendUnavailableError.
 */
export interface NotificationStore {
  /**
   * Stores a new PENDING notification. When one with the same id exists — ids derive from idempotency
   * keys (domain/notification-id.ts) — stores nothing and returns the existing one. Atomic: concurrent
   * inserts of one id leave one record.
   */
  insert(notification: Notification): Promise<InsertOutcome>;

  get(id: string, options?: ReadOptions): Promise<Notification | undefined>;

  /** The attempt history, oldest first; undefined when the notification does not exist. */
  listAttempts(id: string): Promise<DeliveryAttempt[] | undefined>;

  /** Newest created first, narrowed by the query's filter; without bodies (ListedNotification). */
  list(query: ListQuery): Promise<ListPage>;

  /** PENDING → QUEUED. False when the notification was not PENDING. */
  markQueued(id: string, at: string): Promise<boolean>;

  /**
   * Never attempted and not PROCESSING (PENDING, or QUEUED with no attempt made) → PENDING as of
   * `at`, where listStalePending finds it: for a record whose message could not be sent (stored
   * QUEUED, or stored PENDING and its send failed). False when it was claimed meanwhile, or does not exist.
   */
  markPending(id: string, at: string): Promise<boolean>;

  /**
   * PENDING, or QUEUED whose `nextAttemptAt` is unset or not after `at`, or PROCESSING whose lease
   * expired before `at` → PROCESSING with a new lease, `claimedFrom` set to the status it had. Returns
   * the claimed notification, or undefined when it was in no claimable state (a message that arrives
   * early must not start an attempt).
   */
  claim(id: string, at: string, leaseExpiresAt: string): Promise<Notification | undefined>;

  /**
   * PROCESSING under this claim (its `attempts` and its lease) → the record's status, in one write:
   * appends the attempt to the history, sets `deliveryResult`, `attempts + 1`, `lastDeliveryAttempt`,
   * `lastUpdatedAt`, `nextAttemptAt`, and `deliveredAt` on SUCCESS (PROCESSING keeps the lease). False
   * when the claim is no longer the current one: its lease lapsed and another worker claimed it.
   */
  recordAttempt(id: string, claim: Claim, record: AttemptRecord): Promise<boolean>;

  /**
   * PENDING or QUEUED (one waiting for a retry included) → CANCELLED, final: nothing claims it again.
   * Undefined when it was in another status (PROCESSING: an attempt is under way), or does not exist.
   */
  cancel(id: string, at: string): Promise<Notification | undefined>;

  /** FAILED → PENDING with a fresh budget of `maxAttempts` (history and `attempts` kept). */
  reopen(id: string, at: string, options?: ReadOptions): Promise<Notification | undefined>;

  /**
   * PROCESSING under this claim → QUEUED, due at `nextAttemptAt` (null: at once), no attempt spent:
   * a claim given back because its destination may not be sent to now. False when it was not this
   * claim's to give back.
   */
  release(id: string, claim: Claim, at: string, nextAttemptAt: string | null): Promise<boolean>;

  /**
   * Keeps a notification still to be delivered from expiring by age (a store whose records expire
   * whatever their status, DynamoDB's TTL): for one that no write touches while its destination
   * holds it back. Absent: the store never deletes a notification that is not final. Nothing happens
   * for an unknown id.
   */
  retain?(id: string, at: string): Promise<void>;

  /** Counts by status and the oldest due time as of `at` (NotificationStats says what may be null). */
  stats(at: string): Promise<NotificationStats>;

  /** Ids of notifications still PENDING whose `lastUpdatedAt` is before `olderThan`, oldest first. */
  listStalePending(olderThan: string, limit: number): Promise<string[]>;
}

/** A store that deletes old records itself (SQLite); DynamoDB expires them by TTL instead. */
export interface PurgeableStore {
  /**
   * Deletes up to `limit` final notifications (SUCCESS, FAILED, CANCELLED) created before
   * `createdBefore`, with their attempt history, oldest first; returns how many. Never one that is
   * not final, however old.
   */
  purgeFinal(createdBefore: string, limit: number): Promise<number>;
}

/** A destination with notifications not yet final, and the earliest time one of them may be claimed. */
export interface DueDestination {
  destination: string;
  /** Epoch ms; in the past when one is due now. */
  dueAt: number;
}

/**
 * A store that is also the queue (single-process mode): the worker claims due notifications straight
 * from it, a destination at a time, so it never waits behind another destination's backlog.
 */
export interface ClaimableStore {
  /** Every destination with a notification PENDING, QUEUED or PROCESSING. */
  dueDestinations(): Promise<DueDestination[]>;

  /**
   * Up to `limit` notifications of `destination` claimable at `at` (the `claim` conditions), oldest
   * due first, each moved to PROCESSING with a lease until `leaseExpiresAt`.
   */
  claimDue(destination: string, limit: number, at: string, leaseExpiresAt: string): Promise<Notification[]>;
}
