import type { DestinationRecord } from '../domain/destination.js';

export interface DestinationPage {
  items: DestinationRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** How much work a destination has in the store; null where the backend cannot count it cheaply. */
export interface DestinationLoad {
  /** Notifications PENDING or QUEUED (due or waiting for a retry). */
  waiting: number | null;
  /** Notifications PROCESSING: claimed by a worker, their attempt under way. */
  inFlight: number | null;
}

/**
 * Where destination records live: one per destination Herald has seen, in every process's view.
 * Writes are conditional on the version read, so workers racing on one destination never lose an
 * update: the loser gets `false`, reads again and decides again. Backend failures surface as
 * BackendUnavailableError.
 */
export interface DestinationStore {
  get(destination: string): Promise<DestinationRecord | undefined>;

  /** In destination order. Adapters throw InvalidCursorError on a cursor they did not issue. */
  list(limit: number, cursor?: string): Promise<DestinationPage>;

  /**
   * Stores `record` with version `expectedVersion + 1` if the stored one has version
   * `expectedVersion` (0: none is stored). Returns the record as stored, or undefined when the
   * condition failed.
   */
  put(record: DestinationRecord, expectedVersion: number): Promise<DestinationRecord | undefined>;

  load(destination: string): Promise<DestinationLoad>;
}

/**
 * A destination store that removes idle records itself (SQLite); DynamoDB expires them by TTL instead.
 * A record's idleness is counted from its last write; one with operator settings never expires.
 */
export interface PurgeableDestinationStore {
  /**
   * Deletes up to `limit` records last written before `writtenBefore` (ISO 8601) that hold no
   * operator setting and that no notification not yet final goes to; returns how many.
   */
  purgeIdle(writtenBefore: string, limit: number): Promise<number>;
}
