/**
 * The DynamoDB table layout, shared by the adapter, the local table setup of `start:aws-local` and
 * the CDK stack so the three cannot drift. docs/design.md explains the why; in short:
 *
 * - `pk = N#<id>, sk = R` — the REQUEST item: what the caller sent (url, method, headers, body,
 *   metadata, limits, createdAt, requestHash). Written once at ingest, with a condition on the id, which
 *   is how idempotency is enforced. Its body is never rewritten, so status changes stay cheap.
 * - `pk = N#<id>, sk = S` — the STATE item: status, counters, timestamps, lease and attempt history.
 *   Small; every transition is one conditional UpdateItem on it. It does not exist until the first
 *   transition: a REQUEST without a STATE is a notification as ingested — QUEUED (its `ingestStatus`:
 *   the message was sent before the put) or PENDING (the send failed).
 * - GSI `byCreatedMinute` (keys and `destination`) on REQUEST items: `C#<minute>#<shard>` → the
 *   sweeper reads the notifications created in a past minute and enqueues again those still without a
 *   STATE (never claimed: the send failed, or the message waits in a backlog — a duplicate message is
 *   harmless); listings walk it for every filter but FAILED alone. Written once.
 * - GSI `failedByShard` (KEYS_ONLY, sparse) on STATE items while FAILED: `F#<shard>` → operators list
 *   failures without a scan; only failures pay for this index.
 * - `pk = DESTINATION, sk = <origin>` — one item per destination (its breaker, pause, limits; the
 *   record as JSON and a `version` every write is conditional on). Written only on a change of state;
 *   all in one partition, so listing them is one Query, not a scan. In no index; expires RETENTION_DAYS
 *   after its last write unless an operator setting keeps it (dynamodb-destination-store.ts).
 * - `pk = RECOVERY, sk = <job id>` — one item per bulk recovery job (its record as JSON, `state` and
 *   the `version` every update is conditional on); all in one partition, read by one Query. In no
 *   index; expires like the notifications.
 * - `pk = DSECRETS#<origin>, sk = S` — a destination's sealed secrets (its signing keys), its record
 *   as JSON and a `version` every write is conditional on; apart from the DESTINATION item, which the
 *   gate rewrites. One partition per destination; in no index; no TTL (a key outlives any notification).
 * - `pk = META, sk = EPOCH` — the table's epoch: the createdAt of its first notification minus a
 *   margin (table-epoch.ts). Written once, never expires, in no index. The listing walks no further
 *   back than it, so a young table's listing ends after the minutes it has lived.
 * - `pk = META, sk = SWEPT` — the sweeper's two watermarks (sweep-watermark.ts): every notification
 *   created before one has been seen with a STATE item by that pass. Each only ever moves forward;
 *   the item never expires and is in no index.
 */
export const KEY = { partition: 'pk', sort: 'sk' } as const;

export const ITEM = { request: 'R', state: 'S' } as const;

/**
 * The items that are not a notification's: the table's epoch (sort key `epoch`, in attribute
 * `attribute`, ISO 8601) and the sweeper's watermark (sort key `swept`).
 */
export const META = { partition: 'META', epoch: 'EPOCH', attribute: 'epoch', swept: 'SWEPT' } as const;

export const DESTINATION_PARTITION = 'DESTINATION';
export const RECOVERY_PARTITION = 'RECOVERY';
export const destinationSecretsKey = (destination: string) => ({
  [KEY.partition]: `DSECRETS#${destination}`,
  [KEY.sort]: 'S',
});

/** byCreatedMinute projects the REQUEST's `destination` (small, so each entry stays one write unit). */
export const CREATED_INDEX = {
  name: 'byCreatedMinute',
  partition: 'gsi1pk',
  sort: 'gsi1sk',
  projected: ['destination'],
} as const;
export const FAILED_INDEX = { name: 'failedByShard', partition: 'gsi2pk', sort: 'gsi2sk', projected: [] } as const;

/** Index partitions are spread over this many shards so no single partition takes every write. */
export const INDEX_SHARDS = 8;

/**
 * DynamoDB's TTL attribute (epoch seconds): both items expire this long after creation, or after
 * their last renewal while still to be delivered (retention.ts).
 */
export const TTL_ATTRIBUTE = 'expiresAt';
export const RETENTION_DAYS = 30;

export const notificationKey = (id: string) => `N#${id}`;
