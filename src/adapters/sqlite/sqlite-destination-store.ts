import { type DestinationRecord, destinationRecordFromJson, hasOperatorSettings } from '../../domain/destination.js';
import type {
  DestinationLoad,
  DestinationPage,
  DestinationStore,
  PurgeableDestinationStore,
} from '../../ports/destination-store.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { SqliteDatabase } from './sqlite-database.js';

const SQL = {
  get: 'SELECT record FROM destinations WHERE destination = ?',
  list: 'SELECT record FROM destinations ORDER BY destination LIMIT ?',
  listAfter: 'SELECT record FROM destinations WHERE destination > ? ORDER BY destination LIMIT ?',
  insert: `INSERT INTO destinations (destination, version, record, written_at)
    VALUES (@destination, 1, @record, @written_at)
    ON CONFLICT (destination) DO NOTHING`,
  update: `UPDATE destinations SET version = version + 1, record = @record, written_at = @written_at
    WHERE destination = @destination AND version = @expected`,
  // Oldest written first, along destinations_by_written; the notifications not yet final along
  // notification_states_due (a seek per record).
  purgeIdle: `DELETE FROM destinations WHERE destination IN (
      SELECT d.destination FROM destinations d INDEXED BY destinations_by_written
      WHERE d.written_at IS NOT NULL AND d.written_at < @before
        AND NOT EXISTS (SELECT 1 FROM notification_states s INDEXED BY notification_states_due
          WHERE s.destination = d.destination AND s.status IN ('PENDING', 'QUEUED', 'PROCESSING'))
      ORDER BY d.written_at LIMIT @limit)`,
  // Along the partial index notification_states_due: only notifications not yet final.
  load: `SELECT status, count(*) AS count FROM notification_states
    WHERE destination = ? AND status IN ('PENDING', 'QUEUED', 'PROCESSING') GROUP BY status`,
} as const;

const SCOPE = 'destinations';

export interface SqliteDestinationStoreOptions {
  /** Epoch ms, when a record is written (tests write records in the past). */
  now?: () => number;
}

/**
 * DestinationStore on the `destinations` table: one row per destination, its record as JSON, and when
 * it was last written unless an operator setting keeps it (`written_at`, for purgeIdle).
 */
export class SqliteDestinationStore implements DestinationStore, PurgeableDestinationStore {
  readonly #now: () => number;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteDestinationStoreOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  async get(destination: string): Promise<DestinationRecord | undefined> {
    const row = this.db.read(() => this.db.statement(SQL.get).pluck().get(destination) as string | undefined);
    return row === undefined ? undefined : destinationRecordFromJson(row);
  }

  async list(limit: number, cursor?: string): Promise<DestinationPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, SCOPE, 1)[0];
    const rows = this.db.read(
      () =>
        (after === undefined
          ? this.db
              .statement(SQL.list)
              .pluck()
              .all(limit + 1)
          : this.db
              .statement(SQL.listAfter)
              .pluck()
              .all(after, limit + 1)) as string[],
    );
    const items = rows.slice(0, limit).map((row) => destinationRecordFromJson(row));
    const last = items.at(-1);
    if (rows.length <= limit || last === undefined) return { items };
    return { items, nextCursor: encodeCursor(SCOPE, [last.destination]) };
  }

  // On disk: an operator's pause or limit must survive a power failure, and a breaker's opening is
  // rare enough that its fsync costs nothing.
  async put(record: DestinationRecord, expectedVersion: number): Promise<DestinationRecord | undefined> {
    const stored: DestinationRecord = { ...record, version: expectedVersion + 1 };
    const params = {
      destination: record.destination,
      record: JSON.stringify(stored),
      expected: expectedVersion,
      written_at: hasOperatorSettings(stored) ? null : this.#now(),
    };
    const written = await this.db.write(
      () => this.db.statement(expectedVersion === 0 ? SQL.insert : SQL.update).run(params).changes === 1,
    );
    return written ? stored : undefined;
  }

  async purgeIdle(writtenBefore: string, limit: number): Promise<number> {
    const params = { before: Date.parse(writtenBefore), limit };
    return this.db.write(() => this.db.statement(SQL.purgeIdle).run(params).changes);
  }

  async load(destination: string): Promise<DestinationLoad> {
    const rows = this.db.read(
      () => this.db.statement(SQL.load).all(destination) as { status: string; count: number }[],
    );
    const count = (status: string) => rows.find((row) => row.status === status)?.count ?? 0;
    return { waiting: count('PENDING') + count('QUEUED'), inFlight: count('PROCESSING') };
  }
}
