import { InvalidCursorError } from '../../domain/errors.js';
import type { DeliveryAttempt, DeliveryResult, Notification, Status } from '../../domain/notification.js';
import { LIMITS } from '../../domain/request-schema.js';
import type {
  AttemptRecord,
  InsertOutcome,
  ListPage,
  ListQuery,
  NotificationStore,
} from '../../ports/notification-store.js';
import type { SqliteDatabase } from './sqlite-database.js';

/** The attempt history keeps this many latest attempts (SPEC.md §4: bounded in size). */

interface NotificationRow {
  id: string;
  status: Status;
  url: string;
  method: string;
  headers: string;
  body: string;
  idempotency_key: string | null;
  max_attempts: number;
  timeout_ms: number;
  metadata: string | null;
  attempts: number;
  created_at: string;
  last_updated_at: string;
  last_delivery_attempt: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  delivery_result: string | null;
  request_hash: string;
  attempt_budget_start: number;
  lease_expires_at: string | null;
}

const SQL = {
  insert: `INSERT INTO notifications (id, status, url, method, headers, body, idempotency_key, max_attempts,
      timeout_ms, metadata, attempts, created_at, last_updated_at, last_delivery_attempt, next_attempt_at,
      delivered_at, delivery_result, request_hash, attempt_budget_start, lease_expires_at)
    VALUES (@id, @status, @url, @method, @headers, @body, @idempotency_key, @max_attempts, @timeout_ms, @metadata,
      @attempts, @created_at, @last_updated_at, @last_delivery_attempt, @next_attempt_at, @delivered_at,
      @delivery_result, @request_hash, @attempt_budget_start, @lease_expires_at)
    ON CONFLICT (id) DO NOTHING`,
  get: 'SELECT * FROM notifications WHERE id = ?',
  exists: 'SELECT 1 FROM notifications WHERE id = ?',
  attempts: 'SELECT attempt FROM delivery_attempts WHERE notification_id = ? ORDER BY seq',
  markQueued: `UPDATE notifications SET status = 'QUEUED', last_updated_at = @at
    WHERE id = @id AND status = 'PENDING'`,
  claim: `UPDATE notifications SET status = 'PROCESSING', lease_expires_at = @lease, last_updated_at = @at
    WHERE id = @id
      AND (status = 'PENDING'
        OR (status = 'QUEUED' AND (next_attempt_at IS NULL OR next_attempt_at <= @at))
        OR (status = 'PROCESSING' AND lease_expires_at < @at))
    RETURNING *`,
  recordAttempt: `UPDATE notifications SET status = @status, attempts = attempts + 1, delivery_result = @result,
      last_delivery_attempt = @attempted_at, last_updated_at = @at, next_attempt_at = @next_attempt_at,
      delivered_at = CASE WHEN @status = 'SUCCESS' THEN @at ELSE delivered_at END, lease_expires_at = NULL
    WHERE id = @id AND status = 'PROCESSING' AND attempts = @claimed`,
  appendAttempt: 'INSERT INTO delivery_attempts (notification_id, seq, attempt) VALUES (?, ?, ?)',
  trimAttempts: 'DELETE FROM delivery_attempts WHERE notification_id = ? AND seq <= ?',
  reopen: `UPDATE notifications SET status = 'PENDING', attempt_budget_start = attempts, next_attempt_at = NULL,
      lease_expires_at = NULL, last_updated_at = @at
    WHERE id = @id AND status = 'FAILED'
    RETURNING *`,
  listAll: 'SELECT * FROM notifications ORDER BY created_at DESC, id DESC LIMIT ?',
  listAllAfter: `SELECT * FROM notifications WHERE (created_at, id) < (?, ?)
    ORDER BY created_at DESC, id DESC LIMIT ?`,
  listStatus: 'SELECT * FROM notifications WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?',
  listStatusAfter: `SELECT * FROM notifications WHERE status = ? AND (created_at, id) < (?, ?)
    ORDER BY created_at DESC, id DESC LIMIT ?`,
  stalePending: `SELECT id FROM notifications WHERE status = 'PENDING' AND last_updated_at < ?
    ORDER BY last_updated_at, id LIMIT ?`,
} as const;

/** NotificationStore on the `notifications` and `delivery_attempts` tables of a SqliteDatabase. */
export class SqliteStore implements NotificationStore {
  constructor(private readonly db: SqliteDatabase) {}

  async insert(notification: Notification): Promise<InsertOutcome> {
    const row = toRow(notification);
    return this.db.write((): InsertOutcome => {
      if (this.db.statement(SQL.insert).run(row).changes === 1) return { inserted: true };
      // Read inside the same transaction: the existing record cannot change between the two steps.
      const existing = this.db.statement(SQL.get).get(notification.id) as NotificationRow;
      return { inserted: false, existing: fromRow(existing) };
    });
  }

  async get(id: string): Promise<Notification | undefined> {
    const row = this.db.read(() => this.db.statement(SQL.get).get(id) as NotificationRow | undefined);
    return row === undefined ? undefined : fromRow(row);
  }

  async listAttempts(id: string): Promise<DeliveryAttempt[] | undefined> {
    return this.db.read(() => {
      const rows = this.db.statement(SQL.attempts).all(id) as { attempt: string }[];
      if (rows.length === 0 && this.db.statement(SQL.exists).get(id) === undefined) return undefined;
      return rows.map((row) => JSON.parse(row.attempt) as DeliveryAttempt);
    });
  }

  async list(query: ListQuery): Promise<ListPage> {
    const limit = Math.max(1, Math.floor(query.limit));
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    // One extra row tells whether another page follows.
    const rows = this.db.read(() => {
      if (query.status === undefined) {
        return after === undefined
          ? this.db.statement(SQL.listAll).all(limit + 1)
          : this.db.statement(SQL.listAllAfter).all(after[0], after[1], limit + 1);
      }
      return after === undefined
        ? this.db.statement(SQL.listStatus).all(query.status, limit + 1)
        : this.db.statement(SQL.listStatusAfter).all(query.status, after[0], after[1], limit + 1);
    }) as NotificationRow[];
    const items = rows.slice(0, limit).map(fromRow);
    const last = items[items.length - 1];
    if (rows.length <= limit || last === undefined) return { items };
    return { items, nextCursor: encodeCursor(last.createdAt, last.id) };
  }

  async markQueued(id: string, at: string): Promise<boolean> {
    return this.db.write(() => this.db.statement(SQL.markQueued).run({ id, at }).changes === 1);
  }

  async claim(id: string, at: string, leaseExpiresAt: string): Promise<Notification | undefined> {
    const row = await this.db.write(
      () => this.db.statement(SQL.claim).get({ id, at, lease: leaseExpiresAt }) as NotificationRow | undefined,
    );
    return row === undefined ? undefined : fromRow(row);
  }

  async recordAttempt(id: string, claimedAttempts: number, record: AttemptRecord): Promise<boolean> {
    const { attempt: _number, ...result } = record.attempt;
    const params = {
      id,
      claimed: claimedAttempts,
      status: record.status,
      result: JSON.stringify(result satisfies DeliveryResult),
      attempted_at: record.attempt.timestamp,
      at: record.at,
      next_attempt_at: record.nextAttemptAt,
    };
    const attemptJson = JSON.stringify(record.attempt);
    const seq = claimedAttempts + 1;
    return this.db.write(() => {
      if (this.db.statement(SQL.recordAttempt).run(params).changes !== 1) return false;
      this.db.statement(SQL.appendAttempt).run(id, seq, attemptJson);
      if (seq > LIMITS.attemptHistory) this.db.statement(SQL.trimAttempts).run(id, seq - LIMITS.attemptHistory);
      return true;
    });
  }

  async reopen(id: string, at: string): Promise<Notification | undefined> {
    const row = await this.db.write(() => this.db.statement(SQL.reopen).get({ id, at }) as NotificationRow | undefined);
    return row === undefined ? undefined : fromRow(row);
  }

  async listStalePending(olderThan: string, limit: number): Promise<string[]> {
    return this.db.read(() =>
      this.db
        .statement(SQL.stalePending)
        .all(olderThan, Math.max(0, Math.floor(limit)))
        .map((row) => (row as { id: string }).id),
    );
  }
}

function toRow(n: Notification): NotificationRow {
  return {
    id: n.id,
    status: n.status,
    url: n.url,
    method: n.method,
    headers: JSON.stringify(n.headers),
    // JSON text keeps the body's type: the string "{}" and the object {} come back apart.
    body: JSON.stringify(n.body ?? null),
    idempotency_key: n.idempotencyKey,
    max_attempts: n.maxAttempts,
    timeout_ms: n.timeoutMs,
    metadata: n.metadata === null ? null : JSON.stringify(n.metadata),
    attempts: n.attempts,
    created_at: n.createdAt,
    last_updated_at: n.lastUpdatedAt,
    last_delivery_attempt: n.lastDeliveryAttempt,
    next_attempt_at: n.nextAttemptAt,
    delivered_at: n.deliveredAt,
    delivery_result: n.deliveryResult === null ? null : JSON.stringify(n.deliveryResult),
    request_hash: n.requestHash,
    attempt_budget_start: n.attemptBudgetStart,
    lease_expires_at: n.leaseExpiresAt,
  };
}

function fromRow(row: NotificationRow): Notification {
  return {
    id: row.id,
    status: row.status,
    url: row.url,
    method: row.method,
    headers: JSON.parse(row.headers) as Record<string, string>,
    body: JSON.parse(row.body) as unknown,
    idempotencyKey: row.idempotency_key,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    attempts: row.attempts,
    createdAt: row.created_at,
    lastUpdatedAt: row.last_updated_at,
    lastDeliveryAttempt: row.last_delivery_attempt,
    nextAttemptAt: row.next_attempt_at,
    deliveredAt: row.delivered_at,
    deliveryResult: row.delivery_result === null ? null : (JSON.parse(row.delivery_result) as DeliveryResult),
    requestHash: row.request_hash,
    attemptBudgetStart: row.attempt_budget_start,
    leaseExpiresAt: row.lease_expires_at,
  };
}

const CURSOR_VERSION = 1;

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [createdAt: string, id: string] {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 3 ||
    decoded[0] !== CURSOR_VERSION ||
    typeof decoded[1] !== 'string' ||
    typeof decoded[2] !== 'string'
  ) {
    throw new InvalidCursorError();
  }
  return [decoded[1], decoded[2]];
}
