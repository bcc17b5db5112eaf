import { type Clock, systemClock } from '../../ports/clock.js';
import type { DeliveryQueue, QueueMessage, ReceiveOptions } from '../../ports/delivery-queue.js';
import type { SqliteDatabase } from './sqlite-database.js';

export interface SqliteQueueOptions {
  /** Decides when messages become visible; tests pass a fake one. Long-poll waits use real time. */
  clock?: Clock;
  /**
   * A long poll re-reads the table at least this often, for messages another process sent (sends in
   * this process wake receivers at once).
   */
  pollIntervalMs?: number;
}

interface LeasedRow {
  id: number;
  notification_id: string;
  receive_count: number;
  receipt: string;
}

const SQL = {
  send: 'INSERT INTO queue_messages (notification_id, visible_at, receive_count) VALUES (?, ?, 0)',
  anyVisible: 'SELECT 1 FROM queue_messages WHERE visible_at <= ? LIMIT 1',
  nextVisibleAt: 'SELECT min(visible_at) AS at FROM queue_messages',
  // A fresh random receipt per receive: a stale handle from an earlier receive matches nothing.
  lease: `UPDATE queue_messages SET visible_at = @until, receive_count = receive_count + 1, receipt = hex(randomblob(8))
    WHERE id IN (SELECT id FROM queue_messages WHERE visible_at <= @now ORDER BY visible_at, id LIMIT @max)
    RETURNING id, notification_id, receive_count, receipt`,
  delete: 'DELETE FROM queue_messages WHERE id = ? AND receipt = ?',
} as const;

/**
 * DeliveryQueue on the `queue_messages` table of a SqliteDatabase. Its writes settle at COMMIT, not
 * on disk (SqliteDatabase's `Durability`): a lost send leaves its notification PENDING for the
 * sweeper, or the record's own on-disk write (ingest) covers it; a lost lease or delete hands the
 * message out again.
 *
 * A received message is leased by moving its `visible_at` forward; a process that dies holding it
 * simply lets the lease run out, and the message is received again — which is how a restart picks
 * up in-flight work.
 */
export class SqliteQueue implements DeliveryQueue {
  readonly #db: SqliteDatabase;
  readonly #clock: Clock;
  readonly #pollIntervalMs: number;
  readonly #waiters = new Set<() => void>();
  #closed = false;

  constructor(db: SqliteDatabase, options: SqliteQueueOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  async send(notificationId: string, delayMs = 0): Promise<void> {
    const visibleAt = this.#clock.now().getTime() + Math.max(0, delayMs);
    await this.#db.write(() => this.#db.statement(SQL.send).run(notificationId, visibleAt), 'committed');
    // Wake long polls: they take an immediate message, or re-arm their timer for a delayed one.
    this.#wakeAll();
  }

  async receive(options: ReceiveOptions): Promise<QueueMessage[]> {
    const max = Math.max(1, Math.floor(options.maxMessages));
    const deadline = performance.now() + Math.max(0, options.waitTimeMs);
    for (;;) {
      if (this.#closed) return [];
      const now = this.#clock.now().getTime();
      // Checking first keeps idle polls from opening write transactions.
      if (this.#db.read(() => this.#db.statement(SQL.anyVisible).get(now)) !== undefined) {
        const leased = await this.#db.write(
          () =>
            this.#db.statement(SQL.lease).all({ now, until: now + options.visibilityTimeoutMs, max }) as LeasedRow[],
          'committed',
        );
        if (leased.length > 0) return leased.map(toMessage);
        continue; // Another receiver took them meanwhile; look again.
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) return [];
      const next = this.#db.read(
        () => (this.#db.statement(SQL.nextVisibleAt).get() as { at: number | null } | undefined)?.at ?? null,
      );
      let waitMs = Math.min(remaining, this.#pollIntervalMs);
      if (next !== null) waitMs = Math.min(waitMs, Math.max(1, next - now));
      await this.#sleep(waitMs);
    }
  }

  async delete(message: QueueMessage): Promise<void> {
    const separator = message.receiptHandle.indexOf(':');
    const id = Number(message.receiptHandle.slice(0, separator));
    if (separator < 0 || !Number.isSafeInteger(id)) return;
    const receipt = message.receiptHandle.slice(separator + 1);
    await this.#db.write(() => this.#db.statement(SQL.delete).run(id, receipt), 'committed');
  }

  /** Ends the long polls in progress (they return []) and makes later receives return [] at once. */
  close(): void {
    this.#closed = true;
    this.#wakeAll();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#waiters.add(wake);
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

function toMessage(row: LeasedRow): QueueMessage {
  return {
    notificationId: row.notification_id,
    receiptHandle: `${row.id}:${row.receipt}`,
    receiveCount: row.receive_count,
  };
}
