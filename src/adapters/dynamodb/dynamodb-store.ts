import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { BackendUnavailableError, InvalidCursorError } from '../../domain/errors.js';
import type { DeliveryAttempt, DeliveryResult, Notification, Status } from '../../domain/notification.js';
import type {
  AttemptRecord,
  InsertOutcome,
  ListPage,
  ListQuery,
  NotificationStore,
} from '../../ports/notification-store.js';
import {
  CREATED_INDEX,
  FAILED_INDEX,
  INDEX_SHARDS,
  ITEM,
  KEY,
  notificationKey,
  RETENTION_DAYS,
  TTL_ATTRIBUTE,
} from './table-schema.js';

/*
 * The table layout is table-schema.ts; this adapter adds these details:
 *
 * - REQUEST item attributes: id, url, method, headers/body/metadata (JSON strings, so a string body
 *   stays a string and `null` stays `null`), idempotencyKey, maxAttempts, timeoutMs, requestHash,
 *   createdAt, lastUpdatedAt (as ingested), gsi1pk = `C#<createdAt minute>#<shard>`,
 *   gsi1sk = `<createdAt>#<id>` (the listing order), expiresAt. Written once by `insert`, never again.
 * - STATE item attributes: status, attempts, attemptBudgetStart, lastUpdatedAt, lastDeliveryAttempt,
 *   nextAttemptAt, deliveredAt, leaseExpiresAt (absent rather than null), history (list of attempts),
 *   listSortKey (= the REQUEST's gsi1sk, copied by `claim` so `recordAttempt` can index a failure
 *   without reading the REQUEST), expiresAt, and gsi2pk/gsi2sk while it is in the sparse index.
 * - The sparse `failedByShard` index holds two kinds of partitions: `F#<shard>` (FAILED, sorted by
 *   gsi2sk = listSortKey, i.e. newest created first when read backwards) and `P#<shard>` (PENDING
 *   after a manual retry, sorted by the reopen time). The second kind is how the sweeper finds a
 *   reopened notification whose enqueue failed: it was created long before the sweeper's window.
 *   Any transition out of those states removes the attributes again.
 * - History is bounded to HISTORY_LIMIT entries as a ring: while it is shorter it grows with
 *   list_append; after that attempt n overwrites slot (n - 1) % HISTORY_LIMIT in the same single
 *   UpdateItem (a SET on the list and a REMOVE of its head would overlap, which DynamoDB refuses).
 *   Readers sort entries by `attempt`, so the ring reads oldest first. `attempts` and the history
 *   length move together in that one write, which is what makes `claimedAttempts` the next slot.
 * - `deliveryResult` is not stored: it is the newest history entry without its `attempt` number.
 *
 * DynamoDB calls per method (normal path; "read" = GetItem/Query of one notification):
 *   insert          1 PutItem (+1 Query when the id exists: the dedup answer)
 *   get             1 Query (both items, strongly consistent)
 *   listAttempts    1 Query (projected to the history)
 *   markQueued      1 UpdateItem (+1 GetItem of the REQUEST key if this instance neither inserted nor
 *                   read the id: without transactions that is the only way to refuse an unknown id
 *                   instead of creating an orphan STATE item; ingest, sweeper and retry never pay it)
 *   claim           1 GetItem of the REQUEST, eventually consistent (it never changes once written;
 *                   +1 strongly consistent GetItem only if it is not visible yet) + 1 UpdateItem
 *   recordAttempt   1 UpdateItem
 *   reopen          1 UpdateItem + 1 GetItem of the REQUEST, in parallel
 *   list FAILED     INDEX_SHARDS Queries on the sparse index + BatchGetItem of the page (2 keys each)
 *   list (other)    a Scan of the KEYS_ONLY byCreatedMinute index + BatchGetItem of the candidates
 *   listStalePending (window + 1) × INDEX_SHARDS Queries of byCreatedMinute + INDEX_SHARDS Queries of
 *                   the `P#` partitions + BatchGetItem of the candidates' STATE items
 */

type Item = Record<string, NativeAttributeValue>;

/** The most recent attempts kept in a notification's history (maxAttempts is at most 25 too). */
export const HISTORY_LIMIT = 25;
const DEFAULT_SWEEP_WINDOW_MINUTES = 15;
/** Ids this instance knows to have a REQUEST item; bounded so a long-lived process stays small. */
const KNOWN_IDS_CAPACITY = 10_000;
const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_MAX_ROUNDS = 8;
const QUERY_CONCURRENCY = 16;

export interface DynamoDbStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /**
   * How far before `olderThan` the sweeper looks for notifications that never left PENDING. Each
   * minute bucket costs INDEX_SHARDS small Queries per sweep, and every notification in the window is
   * checked once per sweep, so this trades sweep cost against how long the sweeper may be down before
   * a stranded notification falls out of its sight. Default 15.
   */
  sweepWindowMinutes?: number;
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
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly sweepWindowMinutes: number;
  private readonly knownIds = new RecentSet(KNOWN_IDS_CAPACITY);

  constructor(options: DynamoDbStoreOptions) {
    // The document client shares the base client's middleware stack, so middleware added to the base
    // client (call counting, fault injection) sees this adapter's calls.
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.tableName = options.tableName;
    this.sweepWindowMinutes = options.sweepWindowMinutes ?? DEFAULT_SWEEP_WINDOW_MINUTES;
  }

  async insert(notification: Notification): Promise<InsertOutcome> {
    const item = requestItem(notification);
    // A duplicate whose original expired (TTL) between our put and our read is retried once.
    for (let round = 0; round < 2; round++) {
      const put = await this.conditional(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': KEY.partition },
          }),
        ),
      );
      this.knownIds.add(notification.id);
      if (put) return { inserted: true };
      const existing = await this.get(notification.id);
      if (existing) return { inserted: false, existing };
    }
    throw new BackendUnavailableError('dynamodb', new Error(`insert of ${notification.id} kept conflicting`));
  }

  async get(id: string): Promise<Notification | undefined> {
    const { request, state } = await this.readBoth(id);
    if (!request) return undefined;
    this.knownIds.add(id);
    return toNotification(request, state);
  }

  async listAttempts(id: string): Promise<DeliveryAttempt[] | undefined> {
    const { request, state } = await this.readBoth(id, [KEY.sort, 'history']);
    if (!request) return undefined;
    return historyOf(state);
  }

  async list(query: ListQuery): Promise<ListPage> {
    const limit = Math.max(1, Math.floor(query.limit));
    const boundary = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.status);
    if (query.status === 'FAILED') return this.listFailed(limit, boundary);
    return this.listByCreatedAt(query.status, limit, boundary);
  }

  async markQueued(id: string, at: string): Promise<boolean> {
    if (!this.knownIds.has(id)) {
      if (!(await this.requestExists(id))) return false;
      this.knownIds.add(id);
    }
    const e = new Expression();
    const update = updateExpression(
      [
        `${e.name('status')} = ${e.value('QUEUED')}`,
        `${e.name('lastUpdatedAt')} = ${e.value(at)}`,
        ...initialStateAttributes(e, expiresAtFrom(at)),
      ],
      [e.name(FAILED_INDEX.partition), e.name(FAILED_INDEX.sort)],
    );
    const condition = `attribute_not_exists(${e.name(KEY.partition)}) OR ${e.name('status')} = ${e.value('PENDING')}`;
    const result = await this.conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(id),
          UpdateExpression: update,
          ConditionExpression: condition,
          ...e.attributes(),
        }),
      ),
    );
    return result !== undefined;
  }

  async claim(id: string, at: string, leaseExpiresAt: string): Promise<Notification | undefined> {
    const request = await this.readRequest(id);
    if (!request) return undefined;
    const e = new Expression();
    const status = e.name('status');
    const update = updateExpression(
      [
        `${status} = ${e.value('PROCESSING')}`,
        `${e.name('leaseExpiresAt')} = ${e.value(leaseExpiresAt)}`,
        `${e.name('lastUpdatedAt')} = ${e.value(at)}`,
        `${e.name('listSortKey')} = if_not_exists(${e.name('listSortKey')}, ${e.value(String(request[CREATED_INDEX.sort]))})`,
        ...initialStateAttributes(e, expiresAtFrom(String(request.createdAt))),
      ],
      [e.name(FAILED_INDEX.partition), e.name(FAILED_INDEX.sort)],
    );
    const atValue = e.value(at);
    const nextAttemptAt = e.name('nextAttemptAt');
    // A QUEUED record whose retry is not due yet is not claimable: its message arrived early.
    const condition = [
      `attribute_not_exists(${e.name(KEY.partition)})`,
      `${status} = ${e.value('PENDING')}`,
      `(${status} = ${e.value('QUEUED')} AND (attribute_not_exists(${nextAttemptAt}) OR ${nextAttemptAt} <= ${atValue}))`,
      `(${status} = ${e.value('PROCESSING')} AND ${e.name('leaseExpiresAt')} < ${atValue})`,
    ].join(' OR ');
    const result = await this.conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(id),
          UpdateExpression: update,
          ConditionExpression: condition,
          ReturnValues: 'ALL_NEW',
          ...e.attributes(),
        }),
      ),
    );
    return result ? toNotification(request, result.Attributes) : undefined;
  }

  async recordAttempt(id: string, claimedAttempts: number, record: AttemptRecord): Promise<boolean> {
    const e = new Expression();
    const history = e.name('history');
    const sets = [
      `${e.name('status')} = ${e.value(record.status)}`,
      `${e.name('attempts')} = ${e.name('attempts')} + ${e.value(1)}`,
      `${e.name('lastDeliveryAttempt')} = ${e.value(record.attempt.timestamp)}`,
      `${e.name('lastUpdatedAt')} = ${e.value(record.at)}`,
      claimedAttempts < HISTORY_LIMIT
        ? `${history} = list_append(if_not_exists(${history}, ${e.value([])}), ${e.value([record.attempt])})`
        : `${history}[${claimedAttempts % HISTORY_LIMIT}] = ${e.value(record.attempt)}`,
    ];
    const removes = [e.name('leaseExpiresAt')];
    if (record.nextAttemptAt === null) removes.push(e.name('nextAttemptAt'));
    else sets.push(`${e.name('nextAttemptAt')} = ${e.value(record.nextAttemptAt)}`);
    if (record.status === 'SUCCESS') sets.push(`${e.name('deliveredAt')} = ${e.value(record.at)}`);
    if (record.status === 'FAILED') {
      sets.push(
        `${e.name(FAILED_INDEX.partition)} = ${e.value(`F#${indexShard(id)}`)}`,
        // listSortKey was copied from the REQUEST by claim; the fallback only guards a damaged item.
        `${e.name(FAILED_INDEX.sort)} = if_not_exists(${e.name('listSortKey')}, ${e.value(`${record.at}#${id}`)})`,
      );
    } else {
      removes.push(e.name(FAILED_INDEX.partition), e.name(FAILED_INDEX.sort));
    }
    const condition = `${e.name('status')} = ${e.value('PROCESSING')} AND ${e.name('attempts')} = ${e.value(claimedAttempts)}`;
    const result = await this.conditional(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(id),
          UpdateExpression: updateExpression(sets, removes),
          ConditionExpression: condition,
          ...e.attributes(),
        }),
      ),
    );
    return result !== undefined;
  }

  async reopen(id: string, at: string): Promise<Notification | undefined> {
    const e = new Expression();
    const update = updateExpression(
      [
        `${e.name('status')} = ${e.value('PENDING')}`,
        `${e.name('attemptBudgetStart')} = ${e.name('attempts')}`,
        `${e.name('lastUpdatedAt')} = ${e.value(at)}`,
        `${e.name(FAILED_INDEX.partition)} = ${e.value(`P#${indexShard(id)}`)}`,
        `${e.name(FAILED_INDEX.sort)} = ${e.value(`${at}#${id}`)}`,
      ],
      [e.name('nextAttemptAt'), e.name('leaseExpiresAt')],
    );
    const condition = `${e.name('status')} = ${e.value('FAILED')}`;
    // The REQUEST never changes, so reading it alongside the write is safe; a refused reopen (rare:
    // an operator retrying something not FAILED) wastes that read.
    const [result, request] = await Promise.all([
      this.conditional(() =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: stateKey(id),
            UpdateExpression: update,
            ConditionExpression: condition,
            ReturnValues: 'ALL_NEW',
            ...e.attributes(),
          }),
        ),
      ),
      this.readRequest(id),
    ]);
    if (!result || !request) return undefined;
    return toNotification(request, result.Attributes);
  }

  async listStalePending(olderThan: string, limit: number): Promise<string[]> {
    const cutoff = Date.parse(olderThan);
    if (limit <= 0 || Number.isNaN(cutoff)) return [];
    const firstMinute = Math.floor((cutoff - this.sweepWindowMinutes * 60_000) / 60_000) * 60_000;
    const partitions: { index: typeof CREATED_INDEX | typeof FAILED_INDEX; partition: string }[] = [];
    for (let minute = firstMinute; minute <= cutoff; minute += 60_000) {
      const bucket = new Date(minute).toISOString().slice(0, 16);
      for (let shard = 0; shard < INDEX_SHARDS; shard++) {
        partitions.push({ index: CREATED_INDEX, partition: `C#${bucket}#${shard}` });
      }
    }
    for (let shard = 0; shard < INDEX_SHARDS; shard++) {
      partitions.push({ index: FAILED_INDEX, partition: `P#${shard}` });
    }

    // Sort keys start with the time that counts (createdAt, or the reopen time), so `< olderThan` on
    // the key is `< olderThan` on the time, and sorting by key is oldest first.
    const found = await mapConcurrently(partitions, QUERY_CONCURRENCY, ({ index, partition }) =>
      this.queryIndex(index, partition, { below: olderThan, ascending: true }).then((entries) =>
        entries.map((entry) => ({ ...entry, reopened: index === FAILED_INDEX })),
      ),
    );
    const candidates = found.flat().sort((a, b) => compare(a.sortKey, b.sortKey));

    const stale: string[] = [];
    for (let start = 0; start < candidates.length && stale.length < limit; start += BATCH_GET_MAX_KEYS) {
      const chunk = candidates.slice(start, start + BATCH_GET_MAX_KEYS);
      const states = await this.batchGet(
        chunk.map((candidate) => ({ [KEY.partition]: candidate.pk, [KEY.sort]: ITEM.state })),
        false,
      );
      for (const candidate of chunk) {
        const state = states.get(`${candidate.pk}|${ITEM.state}`);
        // Fresh ones count only without a STATE item; one that has a PENDING STATE was reopened and
        // is judged by its `P#` entry (by reopen time) instead.
        const isStale = candidate.reopened
          ? state?.status === 'PENDING' && String(state.lastUpdatedAt) < olderThan
          : state === undefined;
        if (!isStale) continue;
        const id = candidate.pk.slice(notificationKey('').length);
        this.knownIds.add(id);
        stale.push(id);
        if (stale.length === limit) break;
      }
    }
    return stale;
  }

  // ---- listings ----

  /** FAILED, newest created first: the sparse index's shards, each read backwards and merged. */
  private async listFailed(limit: number, boundary: string | undefined): Promise<ListPage> {
    const shards = Array.from({ length: INDEX_SHARDS }, (_, shard) => `F#${shard}`);
    // One more than the page per shard: more than `limit` merged entries is exactly "there is a next page".
    const perShard = await Promise.all(
      shards.map((partition) =>
        this.queryIndex(FAILED_INDEX, partition, { below: boundary, ascending: false, limit: limit + 1 }),
      ),
    );
    const entries = perShard.flat().sort((a, b) => compare(b.sortKey, a.sortKey));
    const page = entries.slice(0, limit);
    const notifications = await this.fetchNotifications(
      page.map((entry) => entry.pk),
      'FAILED',
    );
    const items = page.flatMap((entry) => notifications.get(entry.pk) ?? []);
    const last = page.at(-1);
    return entries.length > limit && last ? { items, nextCursor: encodeCursor('FAILED', last.sortKey) } : { items };
  }

  /**
   * Any other listing, newest created first. This schema has no index ordered across all notifications
   * (byCreatedMinute is partitioned by minute and shard), so this reads the whole KEYS_ONLY index —
   * small entries, one Scan call per MB — sorts it, and fetches only the page's items. Cost grows with
   * the notifications retained (RETENTION_DAYS): fine for an operator's view, not for a hot path.
   * With a status filter, candidates are checked in order until the page is full, so the last page of
   * a filtered listing may come back short or empty with no further cursor.
   */
  private async listByCreatedAt(
    status: Status | undefined,
    limit: number,
    boundary: string | undefined,
  ): Promise<ListPage> {
    const candidates = (await this.scanCreatedIndex())
      .filter((entry) => boundary === undefined || entry.sortKey < boundary)
      .sort((a, b) => compare(b.sortKey, a.sortKey));

    const items: Notification[] = [];
    let lastIncluded = -1;
    for (let start = 0; start < candidates.length && items.length < limit; ) {
      const size = status === undefined ? limit - items.length : Math.max(limit - items.length, 25);
      const chunk = candidates.slice(start, start + Math.min(size, BATCH_GET_MAX_KEYS));
      const notifications = await this.fetchNotifications(
        chunk.map((entry) => entry.pk),
        status,
      );
      for (const [offset, entry] of chunk.entries()) {
        const notification = notifications.get(entry.pk);
        if (!notification) continue;
        items.push(notification);
        lastIncluded = start + offset;
        if (items.length === limit) break;
      }
      start += chunk.length;
    }
    const last = candidates[lastIncluded];
    const more = items.length === limit && lastIncluded < candidates.length - 1;
    return more && last ? { items, nextCursor: encodeCursor(status, last.sortKey) } : { items };
  }

  /** Notifications by pk, optionally only those in `status`; missing or filtered ones are absent. */
  private async fetchNotifications(pks: string[], status: Status | undefined): Promise<Map<string, Notification>> {
    const result = new Map<string, Notification>();
    if (pks.length === 0) return result;
    const stateKeys = pks.map((pk) => ({ [KEY.partition]: pk, [KEY.sort]: ITEM.state }));
    const requestKeys = (wanted: string[]) => wanted.map((pk) => ({ [KEY.partition]: pk, [KEY.sort]: ITEM.request }));

    let items: Map<string, Item>;
    let wanted = pks;
    if (status === undefined) {
      items = await this.batchGet([...requestKeys(pks), ...stateKeys], false);
    } else {
      // Small STATE items first; only the matches' REQUEST items are worth reading.
      const states = await this.batchGet(stateKeys, false);
      wanted = pks.filter((pk) => statusOf(states.get(`${pk}|${ITEM.state}`)) === status);
      items = states;
      for (const [key, item] of await this.batchGet(requestKeys(wanted), false)) items.set(key, item);
    }
    for (const pk of wanted) {
      const request = items.get(`${pk}|${ITEM.request}`);
      if (!request) continue;
      const notification = toNotification(request, items.get(`${pk}|${ITEM.state}`));
      if (status === undefined || notification.status === status) result.set(pk, notification);
    }
    return result;
  }

  // ---- reads ----

  private async readBoth(id: string, projection?: string[]): Promise<{ request?: Item; state?: Item }> {
    const e = new Expression();
    const output = await this.call(() =>
      this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${e.name(KEY.partition)} = ${e.value(notificationKey(id))}`,
          ConsistentRead: true,
          ...(projection ? { ProjectionExpression: projection.map((name) => e.name(name)).join(', ') } : {}),
          ...e.attributes(),
        }),
      ),
    );
    const items = output.Items ?? [];
    return {
      request: items.find((item) => item[KEY.sort] === ITEM.request),
      state: items.find((item) => item[KEY.sort] === ITEM.state),
    };
  }

  /** The REQUEST item: eventually consistent first (it is immutable), strongly if not visible yet. */
  private async readRequest(id: string): Promise<Item | undefined> {
    for (const consistent of [false, true]) {
      const output = await this.call(() =>
        this.doc.send(new GetCommand({ TableName: this.tableName, Key: requestKey(id), ConsistentRead: consistent })),
      );
      if (output.Item) {
        this.knownIds.add(id);
        return output.Item;
      }
    }
    return undefined;
  }

  private async requestExists(id: string): Promise<boolean> {
    const output = await this.call(() =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: requestKey(id),
          ConsistentRead: true,
          ProjectionExpression: '#pk',
          ExpressionAttributeNames: { '#pk': KEY.partition },
        }),
      ),
    );
    return output.Item !== undefined;
  }

  private async queryIndex(
    index: typeof CREATED_INDEX | typeof FAILED_INDEX,
    partition: string,
    options: { below: string | undefined; ascending: boolean; limit?: number },
  ): Promise<IndexEntry[]> {
    const entries: IndexEntry[] = [];
    let startKey: Item | undefined;
    do {
      const e = new Expression();
      const keyCondition = [`${e.name(index.partition)} = ${e.value(partition)}`];
      if (options.below !== undefined) keyCondition.push(`${e.name(index.sort)} < ${e.value(options.below)}`);
      const output = await this.call(() =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index.name,
            KeyConditionExpression: keyCondition.join(' AND '),
            ScanIndexForward: options.ascending,
            ...(options.limit === undefined ? {} : { Limit: options.limit - entries.length }),
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...e.attributes(),
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        entries.push({ pk: String(item[KEY.partition]), sortKey: String(item[index.sort]) });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || entries.length < options.limit));
    return entries;
  }

  private async scanCreatedIndex(): Promise<IndexEntry[]> {
    const entries: IndexEntry[] = [];
    let startKey: Item | undefined;
    do {
      const output = await this.call(() =>
        this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            IndexName: CREATED_INDEX.name,
            ProjectionExpression: '#pk, #sk',
            ExpressionAttributeNames: { '#pk': KEY.partition, '#sk': CREATED_INDEX.sort },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of output.Items ?? []) {
        entries.push({ pk: String(item[KEY.partition]), sortKey: String(item[CREATED_INDEX.sort]) });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return entries;
  }

  /** Items by `pk|sk`. BatchGetItem may leave keys unprocessed under load; those are asked again. */
  private async batchGet(keys: Item[], consistent: boolean): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    // BatchGetItem refuses a request naming one key twice.
    const unique = [...new Map(keys.map((key) => [`${key[KEY.partition]}|${key[KEY.sort]}`, key])).values()];
    const chunks: Item[][] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_MAX_KEYS) {
      chunks.push(unique.slice(start, start + BATCH_GET_MAX_KEYS));
    }
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending = chunk;
        for (let round = 0; pending.length > 0; round++) {
          if (round === BATCH_GET_MAX_ROUNDS) {
            throw new BackendUnavailableError('dynamodb', new Error('BatchGetItem kept keys unprocessed'));
          }
          if (round > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));
          const requested = pending;
          const output = await this.call(() =>
            this.doc.send(
              new BatchGetCommand({
                RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: consistent } },
              }),
            ),
          );
          for (const item of output.Responses?.[this.tableName] ?? []) {
            found.set(`${item[KEY.partition]}|${item[KEY.sort]}`, item);
          }
          pending = (output.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
        }
      }),
    );
    return found;
  }

  // ---- error translation (STYLE.md practice 4) ----

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new BackendUnavailableError('dynamodb', error);
    }
  }

  /** Undefined when the write's condition did not hold: a lost race, not an error. */
  private async conditional<T>(operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return await operation();
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException'
      ) {
        return undefined;
      }
      throw new BackendUnavailableError('dynamodb', error);
    }
  }
}

interface IndexEntry {
  pk: string;
  sortKey: string;
}

// ---- items ----

const requestKey = (id: string) => ({ [KEY.partition]: notificationKey(id), [KEY.sort]: ITEM.request });
const stateKey = (id: string) => ({ [KEY.partition]: notificationKey(id), [KEY.sort]: ITEM.state });

/** The shard of an id in both indexes: FNV-1a of the id, so it is stable across processes. */
export function indexShard(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % INDEX_SHARDS;
}

function expiresAtFrom(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) + RETENTION_DAYS * 24 * 3600;
}

function requestItem(notification: Notification): Item {
  const { id, createdAt } = notification;
  return {
    [KEY.partition]: notificationKey(id),
    [KEY.sort]: ITEM.request,
    id,
    url: notification.url,
    method: notification.method,
    headers: JSON.stringify(notification.headers),
    ...(notification.body === undefined ? {} : { body: JSON.stringify(notification.body) }),
    ...(notification.idempotencyKey === null ? {} : { idempotencyKey: notification.idempotencyKey }),
    maxAttempts: notification.maxAttempts,
    timeoutMs: notification.timeoutMs,
    ...(notification.metadata === null ? {} : { metadata: JSON.stringify(notification.metadata) }),
    requestHash: notification.requestHash,
    createdAt,
    lastUpdatedAt: notification.lastUpdatedAt,
    [CREATED_INDEX.partition]: `C#${createdAt.slice(0, 16)}#${indexShard(id)}`,
    [CREATED_INDEX.sort]: `${createdAt}#${id}`,
    [TTL_ATTRIBUTE]: expiresAtFrom(createdAt),
  };
}

/** Attributes a STATE item needs whichever transition creates it. */
function initialStateAttributes(e: Expression, expiresAt: number | undefined): string[] {
  const sets = [
    `${e.name('attempts')} = if_not_exists(${e.name('attempts')}, ${e.value(0)})`,
    `${e.name('attemptBudgetStart')} = if_not_exists(${e.name('attemptBudgetStart')}, ${e.value(0)})`,
  ];
  if (expiresAt !== undefined) {
    sets.push(`${e.name(TTL_ATTRIBUTE)} = if_not_exists(${e.name(TTL_ATTRIBUTE)}, ${e.value(expiresAt)})`);
  }
  return sets;
}

/** A STATE item's status; no STATE item means the notification is PENDING as ingested. */
function statusOf(state: Item | undefined): Status {
  return (state?.status as Status | undefined) ?? 'PENDING';
}

function historyOf(state: Item | undefined): DeliveryAttempt[] {
  const history = (state?.history ?? []) as DeliveryAttempt[];
  return [...history].sort((a, b) => a.attempt - b.attempt);
}

function resultOf(attempt: DeliveryAttempt): DeliveryResult {
  const { attempt: _number, ...result } = attempt;
  return result;
}

const nullable = (value: NativeAttributeValue): string | null => (value === undefined ? null : String(value));

function toNotification(request: Item, state: Item | undefined): Notification {
  const latest = historyOf(state).at(-1);
  return {
    id: String(request.id),
    status: statusOf(state),
    url: String(request.url),
    method: String(request.method),
    headers: JSON.parse(String(request.headers)) as Record<string, string>,
    body: request.body === undefined ? undefined : JSON.parse(String(request.body)),
    idempotencyKey: nullable(request.idempotencyKey),
    maxAttempts: Number(request.maxAttempts),
    timeoutMs: Number(request.timeoutMs),
    metadata: request.metadata === undefined ? null : (JSON.parse(String(request.metadata)) as Record<string, unknown>),
    attempts: Number(state?.attempts ?? 0),
    createdAt: String(request.createdAt),
    lastUpdatedAt: String(state?.lastUpdatedAt ?? request.lastUpdatedAt),
    lastDeliveryAttempt: nullable(state?.lastDeliveryAttempt),
    nextAttemptAt: nullable(state?.nextAttemptAt),
    deliveredAt: nullable(state?.deliveredAt),
    deliveryResult: latest ? resultOf(latest) : null,
    requestHash: String(request.requestHash),
    attemptBudgetStart: Number(state?.attemptBudgetStart ?? 0),
    leaseExpiresAt: nullable(state?.leaseExpiresAt),
  };
}

// ---- expressions ----

/** Collects placeholder names and values for one request, so no attribute name can hit a reserved word. */
class Expression {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, NativeAttributeValue> = {};
  private count = 0;

  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: NativeAttributeValue): string {
    const placeholder = `:v${this.count++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  attributes(): {
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, NativeAttributeValue>;
  } {
    return {
      ExpressionAttributeNames: this.names,
      ...(this.count > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

function updateExpression(sets: string[], removes: string[]): string {
  return [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

// ---- cursors ----

interface Cursor {
  v: 1;
  /** The status filter the cursor was issued for; `*` for none. */
  s: string;
  /** The sort key of the last entry of the previous page; the next page starts below it. */
  b: string;
}

function encodeCursor(status: Status | undefined, boundary: string): string {
  const cursor: Cursor = { v: 1, s: status ?? '*', b: boundary };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(encoded: string, status: Status | undefined): string {
  let cursor: Partial<Cursor> | null;
  try {
    cursor = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Partial<Cursor> | null;
  } catch {
    throw new InvalidCursorError();
  }
  if (
    typeof cursor !== 'object' ||
    cursor === null ||
    cursor.v !== 1 ||
    cursor.s !== (status ?? '*') ||
    typeof cursor.b !== 'string' ||
    cursor.b.length === 0 ||
    cursor.b.length > 1024
  ) {
    throw new InvalidCursorError();
  }
  return cursor.b;
}

// ---- small utilities ----

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function mapConcurrently<T, R>(inputs: T[], concurrency: number, fn: (input: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(inputs.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
    while (next < inputs.length) {
      const index = next++;
      results[index] = await fn(inputs[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** An insertion-ordered set that forgets its oldest entries beyond `capacity`. */
class RecentSet {
  private readonly entries = new Set<string>();
  constructor(private readonly capacity: number) {}

  has(value: string): boolean {
    return this.entries.has(value);
  }

  add(value: string): void {
    this.entries.delete(value);
    this.entries.add(value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.values().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
