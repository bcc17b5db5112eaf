import type Database from 'better-sqlite3';
import { type DestinationRecord, destinationOf, hasOperatorSettings } from '../../domain/destination.js';

type Connection = Database.Database;

/**
 * The layout below; stored in the file as `PRAGMA user_version`. A file with another version (or an
 * unversioned file of the layout before versioning) is refused rather than written to.
 */
export const SCHEMA_VERSION = 5;

/**
 * One schema for the notifications, which are also the queue (a notification is claimed straight from
 * its state row, see sqlite-store.ts), and the destinations. Timestamps of notifications are
 * ISO-8601 UTC text (they sort as text); `due_at` is epoch ms.
 *
 * Laid out to write few bytes per notification (the WAL is fsync'd at every commit: the disk is the cost):
 * - the request (body included) is written once to `notification_requests`; the state that
 *   markQueued, claim and recordAttempt rewrite is a small row of `notification_states`, with the
 *   same integer key `n` (assigned in insertion order, so recent rows share a few tail pages);
 * - the only index keyed by the random UUID is the one that finds `n` from an id;
 * - the attempt history is clustered by (n, seq), appended at the tail;
 * - the partial indexes cover the short-lived PENDING and PROCESSING sets, and the notifications not
 *   yet final: `notification_states_due` orders each destination's by `due_at` — when a PENDING or
 *   QUEUED one may be attempted, when a PROCESSING one's lease lapses — which is what the worker
 *   claims along. A notification waiting behind an earlier one of its ordering key has no `due_at`
 *   (nothing claims it) until that one is final; `notification_states_ordering` finds a key's line.
 *   Listing by status walks `notification_requests_by_created` and filters: an
 *   operator query, slower but paginated.
 */
const DUE_INDEX = `CREATE INDEX notification_states_due ON notification_states (destination, due_at)
  WHERE status IN ('PENDING', 'QUEUED', 'PROCESSING');`;
const ORDERING_INDEX = `CREATE INDEX notification_states_ordering ON notification_states (ordering_key, ordering_seq)
  WHERE ordering_key IS NOT NULL AND status IN ('PENDING', 'QUEUED', 'PROCESSING');`;
/**
 * `written_at`: epoch ms of the record's last write, NULL for a record with operator settings (kept for
 * good); the retention purge removes the idle ones along its index (sqlite-destination-store.ts).
 */
const DESTINATIONS_BY_WRITTEN = `CREATE INDEX destinations_by_written ON destinations (written_at)
  WHERE written_at IS NOT NULL;`;
const DESTINATIONS = `CREATE TABLE destinations (
  destination TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  record TEXT NOT NULL,
  written_at INTEGER
) WITHOUT ROWID;
${DESTINATIONS_BY_WRITTEN}
${DUE_INDEX}`;

const SCHEMA = `
CREATE TABLE notification_requests (
  n INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  method TEXT NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  idempotency_key TEXT,
  max_attempts INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  metadata TEXT,
  request_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  sign INTEGER NOT NULL DEFAULT 0,
  caller TEXT NOT NULL DEFAULT 'default'
);
CREATE INDEX notification_requests_by_created ON notification_requests (created_at, id);
CREATE TABLE notification_states (
  n INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  attempt_budget_start INTEGER NOT NULL,
  last_updated_at TEXT NOT NULL,
  last_delivery_attempt TEXT,
  next_attempt_at TEXT,
  delivered_at TEXT,
  lease_expires_at TEXT,
  delivery_result TEXT,
  destination TEXT NOT NULL,
  due_at INTEGER,
  claimed_from TEXT,
  ordering_key TEXT,
  ordering_seq INTEGER
);
${ORDERING_INDEX}
CREATE INDEX notification_states_pending ON notification_states (last_updated_at, n) WHERE status = 'PENDING';
CREATE INDEX notification_states_processing ON notification_states (status) WHERE status = 'PROCESSING';
CREATE TABLE delivery_attempts (
  n INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  attempt TEXT NOT NULL,
  PRIMARY KEY (n, seq)
) WITHOUT ROWID;
${DESTINATIONS}
PRAGMA user_version = ${SCHEMA_VERSION};
`;

/**
 * From version 2 (a queue table beside the notifications) to 3 (the notifications are the queue):
 * each state row gets its destination and due time, each request its `sign` flag (unsigned before),
 * and the queue's messages go — every PENDING,
 * QUEUED or PROCESSING notification is claimable from its row, so none is stranded by the drop.
 */
const MIGRATE_2_TO_3 = `
ALTER TABLE notification_requests ADD COLUMN sign INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notification_states ADD COLUMN destination TEXT NOT NULL DEFAULT '';
ALTER TABLE notification_states ADD COLUMN due_at INTEGER;
ALTER TABLE notification_states ADD COLUMN claimed_from TEXT;
UPDATE notification_states SET
  destination = herald_destination((SELECT url FROM notification_requests r WHERE r.n = notification_states.n)),
  due_at = CASE
    WHEN status = 'PROCESSING' THEN herald_ms(lease_expires_at)
    WHEN status IN ('PENDING', 'QUEUED') THEN herald_ms(coalesce(next_attempt_at, last_updated_at))
  END;
DROP TABLE queue_messages;
${DESTINATIONS}
PRAGMA user_version = 3;
`;

/** From version 3 to 4: ordering keys. Every notification stored before had none, so none waits. */
const MIGRATE_3_TO_4 = `
ALTER TABLE notification_states ADD COLUMN ordering_key TEXT;
ALTER TABLE notification_states ADD COLUMN ordering_seq INTEGER;
${ORDERING_INDEX}
PRAGMA user_version = 4;
`;

/**
 * From version 4 to 5: the caller that sent each notification. Those stored before callers were sent
 * with a full-access key: the caller "default". A column with a constant default is added without
 * rewriting a row.
 */
const MIGRATE_4_TO_5 = `
ALTER TABLE notification_requests ADD COLUMN caller TEXT NOT NULL DEFAULT 'default';
PRAGMA user_version = 5;
`;

/**
 * Bulk recovery jobs (sqlite-recovery-store.ts). Added to version 3 files without a version bump:
 * a table the older code never reads changes nothing for it, so a file stays readable both ways.
 */
const RECOVERIES = `CREATE TABLE IF NOT EXISTS recoveries (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  record TEXT NOT NULL
) WITHOUT ROWID;`;

/**
 * Destination records expire once idle: files made before get `written_at`, counted from now for the
 * records without operator settings. Without a version bump, like RECOVERIES: older code names the
 * columns it writes, and its writes leave NULL, a record that is kept.
 */
function addDestinationWrittenAt(db: Connection): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('destinations')").pluck().all() as string[];
  if (columns.includes('written_at')) return;
  db.function('herald_expires', { deterministic: true }, (record) =>
    hasOperatorSettings(JSON.parse(String(record)) as DestinationRecord) ? 0 : 1,
  );
  db.exec(`ALTER TABLE destinations ADD COLUMN written_at INTEGER;
    ${DESTINATIONS_BY_WRITTEN}`);
  db.prepare('UPDATE destinations SET written_at = ? WHERE herald_expires(record) = 1').run(Date.now());
}

/**
 * Destinations' sealed secrets (sqlite-destination-secret-store.ts), apart from their records. Added
 * like `recoveries`, without a version bump: older code never reads it.
 */
const DESTINATION_SECRETS = `CREATE TABLE IF NOT EXISTS destination_secrets (
  destination TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  record TEXT NOT NULL
) WITHOUT ROWID;`;

/** Runs MIGRATE_2_TO_3 with the two functions it needs, written once in TypeScript. */
function migrateFrom2(db: Connection): void {
  db.function('herald_destination', { deterministic: true }, (url) => destinationOf(String(url)));
  db.function('herald_ms', { deterministic: true }, (iso) => (iso === null ? null : Date.parse(String(iso))));
  db.exec(MIGRATE_2_TO_3);
}

/** A file this version must not write to; its message says why and what to do. */
export class SchemaVersionError extends Error {}

/**
 * Creates the schema in a file that has none, upgrades a version 2, 3 or 4 file, and refuses a file laid out by another version:
 * writing to it would corrupt it. Runs in one write transaction, so two processes opening a new file
 * at once create the schema once.
 */
export function prepareSchema(db: Connection, path: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) {
      const tables = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get() as number;
      if (tables > 0) {
        throw new SchemaVersionError(
          `${path} holds Herald data without a schema version (the layout before version ${SCHEMA_VERSION}); ` +
            'this version cannot read it. Start with a new file (HERALD_DB_PATH) or the Herald version that wrote it.',
        );
      }
      db.exec(SCHEMA);
    } else if (version >= 2 && version < SCHEMA_VERSION) {
      if (version === 2) migrateFrom2(db);
      if (version <= 3) db.exec(MIGRATE_3_TO_4);
      db.exec(MIGRATE_4_TO_5);
    } else if (version !== SCHEMA_VERSION) {
      throw new SchemaVersionError(
        `${path} has schema version ${version}; this Herald reads version ${SCHEMA_VERSION} (and upgrades versions 2 to 4). ` +
          'Start with a new file (HERALD_DB_PATH) or the Herald version that wrote it.',
      );
    }
    db.exec(RECOVERIES);
    addDestinationWrittenAt(db);
    db.exec(DESTINATION_SECRETS);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
