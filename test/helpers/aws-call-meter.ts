import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Counts what Herald asks of DynamoDB, SQS and S3, by SDK middleware on the clients it uses: calls per
 * operation, HTTP requests (SDK retries included), errors, and DynamoDB capacity. For the end-to-end
 * cost figures and, later, the benchmark.
 *
 * Capacity, two ways:
 * - `reported`: the sum of the ConsumedCapacity the engine returns. The meter adds
 *   `ReturnConsumedCapacity: 'TOTAL'` to every request that does not ask for it. dynalite reports
 *   table capacity for single-item reads and writes only: no index writes, nothing for a failed
 *   condition, nothing for batch writes.
 * - `computed`: write units by DynamoDB's published rules (see `writeCost`), from the item images the
 *   meter tracks. It asks for them itself: `ReturnValues: 'ALL_OLD'` on PutItem and DeleteItem and
 *   `'ALL_NEW'` on UpdateItem when the caller asked for nothing (and hands the caller the output it
 *   would have had); the image before an UpdateItem is the last one the meter saw for that key, so it
 *   assumes it sees every write to the table from its creation (true for a table a test creates).
 *   Only tables registered with `registerTable` are computed.
 */

type AttributeMap = Record<string, AttributeValue>;
/** A DynamoDB attribute value in wire form: `{ S: 'x' }`, `{ N: '1' }`, `{ M: { ... } }` ... */
type AttributeValue = Record<string, unknown>;

interface TableShape {
  keys: string[];
  indexes: { name: string; keys: string[]; projection: 'KEYS_ONLY' | 'ALL' | 'INCLUDE'; include: string[] }[];
}

export interface MeterSnapshot {
  /** SDK calls per `Service.Operation` (e.g. `DynamoDB.PutItem`), each once whatever the SDK retried. */
  calls: Record<string, number>;
  /** HTTP requests sent per operation, SDK retries included: what AWS bills. */
  requests: Record<string, number>;
  /** Calls that ended in an error, per operation (failed condition checks included). */
  errors: Record<string, number>;
  dynamoDb: {
    reported: { readUnits: number; writeUnits: number };
    /** Read units as reported, per operation (e.g. `BatchGetItem`). */
    readUnitsByOperation: Record<string, number>;
    computed: {
      tableWriteUnits: number;
      indexWriteUnits: number;
      writeUnits: number;
      /** Writes whose images the meter could not know (their table units fall back to the reported ones). */
      unmeasuredWrites: number;
    };
  };
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

interface CallRecord {
  service: string;
  operation: string;
  /** The request as sent, in wire form (captured after the DocumentClient marshalled it). */
  wireInput?: Record<string, unknown>;
  forcedReturnValues: boolean;
}

export class AwsCallMeter {
  private counts = emptySnapshot();
  private readonly tables = new Map<string, TableShape>();
  private readonly images = new Map<string, AttributeMap>();
  private readonly records = new WeakMap<object, CallRecord>();
  private attached = 0;

  /** Enables computed write units for this table (pass the CreateTable request it was made with). */
  registerTable(definition: CreateTableCommandInput): this {
    const keysOf = (schema: { AttributeName?: string }[] | undefined) =>
      (schema ?? []).map((key) => key.AttributeName as string);
    this.tables.set(definition.TableName as string, {
      keys: keysOf(definition.KeySchema),
      indexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
        name: index.IndexName as string,
        keys: keysOf(index.KeySchema),
        projection: (index.Projection?.ProjectionType ?? 'KEYS_ONLY') as 'KEYS_ONLY',
        include: index.Projection?.NonKeyAttributes ?? [],
      })),
    });
    return this;
  }

  attach(client: DynamoDBClient | SQSClient | S3Client): this {
    const id = this.attached++;
    const stack = client.middlewareStack as DynamoDBClient['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        const service = String(context.clientName ?? '').replace(/Client$/, '') || 'AWS';
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const name = `${service}.${operation}`;
        bump(this.counts.calls, name);
        const record: CallRecord = { service, operation, forcedReturnValues: false };
        this.records.set(context, record);
        // A copy: the caller's command keeps its own input.
        const input = { ...(args.input as Record<string, unknown>) };
        if (service === 'DynamoDB' && (WRITES.has(operation) || READS.has(operation))) {
          input.ReturnConsumedCapacity ??= 'TOTAL';
          const single = operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem';
          if (single && !input.ReturnValues) {
            input.ReturnValues = operation === 'UpdateItem' ? 'ALL_NEW' : 'ALL_OLD';
            record.forcedReturnValues = true;
          }
        }
        try {
          const result = await next({ ...args, input } as typeof args);
          const output = result.output as unknown as Record<string, unknown>;
          if (service === 'DynamoDB') this.account(record, output, undefined);
          if (record.forcedReturnValues) delete output.Attributes;
          return result;
        } catch (error) {
          bump(this.counts.errors, name);
          if (service === 'DynamoDB') this.account(record, undefined, error);
          throw error;
        }
      },
      { step: 'initialize', priority: 'high', name: `awsCallMeter${id}` },
    );
    // After serialization the input is in wire form, whether the caller used the DocumentClient or not.
    stack.add(
      (next, context) => async (args) => {
        const record = this.records.get(context);
        if (record) record.wireInput = args.input as Record<string, unknown>;
        return next(args);
      },
      { step: 'build', name: `awsCallMeterWireInput${id}` },
    );
    // Inside the retry loop: once per HTTP request.
    stack.add(
      (next, context) => async (args) => {
        const record = this.records.get(context);
        if (record) bump(this.counts.requests, `${record.service}.${record.operation}`);
        return next(args);
      },
      { step: 'deserialize', name: `awsCallMeterRequests${id}` },
    );
    return this;
  }

  /** Clears the counters (not the tracked item images). */
  reset(): void {
    this.counts = emptySnapshot();
  }

  snapshot(): MeterSnapshot {
    return structuredClone(this.counts);
  }

  private account(record: CallRecord, output: Record<string, unknown> | undefined, error: unknown): void {
    const { operation } = record;
    if (output) {
      const reported = sumCapacity(output.ConsumedCapacity);
      if (WRITES.has(operation)) this.counts.dynamoDb.reported.writeUnits += reported;
      if (READS.has(operation)) {
        this.counts.dynamoDb.reported.readUnits += reported;
        const byOperation = this.counts.dynamoDb.readUnitsByOperation;
        byOperation[operation] = (byOperation[operation] ?? 0) + reported;
      }
    }
    if (!WRITES.has(operation)) return;
    const input = record.wireInput;
    const table = input && typeof input.TableName === 'string' ? this.tables.get(input.TableName) : undefined;
    if (operation === 'BatchWriteItem' || operation === 'TransactWriteItems' || !input || !table) {
      if (input && (operation === 'BatchWriteItem' || operation === 'TransactWriteItems')) {
        this.counts.dynamoDb.computed.unmeasuredWrites += 1;
      }
      return;
    }
    const tableName = input.TableName as string;
    const keyOf = (item: AttributeMap) => `${tableName}|${table.keys.map((k) => JSON.stringify(item[k])).join('|')}`;
    const key = operation === 'PutItem' ? keyOf(input.Item as AttributeMap) : keyOf(input.Key as AttributeMap);
    const before = this.images.get(key);

    if (error !== undefined) {
      // A refused condition still costs the write units of the item as stored (at least one).
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        this.add(writeCost(table, before, before).table, 0);
      }
      return;
    }
    if (!output) return;
    const returned = output.Attributes as Record<string, unknown> | undefined;
    const wire = returned ? toWire(returned, table.keys[0] as string) : undefined;

    let after: AttributeMap | undefined;
    let old = before;
    if (operation === 'PutItem') {
      after = input.Item as AttributeMap;
      if (input.ReturnValues === 'ALL_OLD') old = wire;
    } else if (operation === 'DeleteItem') {
      after = undefined;
      if (input.ReturnValues === 'ALL_OLD') old = wire;
    } else if (input.ReturnValues === 'ALL_NEW') {
      after = wire;
    } else {
      this.counts.dynamoDb.computed.unmeasuredWrites += 1;
      this.add(sumCapacity(output.ConsumedCapacity) || 1, 0);
      this.images.delete(key);
      return;
    }
    const cost = writeCost(table, old, after);
    this.add(cost.table, cost.indexes);
    if (after) this.images.set(key, after);
    else this.images.delete(key);
  }

  private add(tableUnits: number, indexUnits: number): void {
    const computed = this.counts.dynamoDb.computed;
    computed.tableWriteUnits += tableUnits;
    computed.indexWriteUnits += indexUnits;
    computed.writeUnits += tableUnits + indexUnits;
  }
}

// ---- DynamoDB's write-unit rules ----

/**
 * Write units of one write that turns item `before` into `after` (undefined: absent), by DynamoDB's
 * published rules for on-demand and provisioned tables:
 * - the table: one unit per started KB of the larger of the two images (a delete: of the old one),
 *   at least one;
 * - each global secondary index: an item is in the index only if it has all the index's key
 *   attributes (which is what makes an index sparse). Entering or leaving the index costs one write
 *   of the index entry; changing its index key costs two (delete the old entry, put the new one);
 *   staying with the same key costs one write only if a projected non-key attribute changed (never
 *   with KEYS_ONLY). An index entry's size is its index key, the table key and projected attributes,
 *   plus 100 bytes of overhead, again one unit per started KB.
 * A write whose condition fails costs the table units of the item as it is, and no index units.
 */
export function writeCost(
  table: TableShape,
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
): { table: number; indexes: number } {
  const tableUnits = Math.max(units(before ? itemSize(before) : 0), units(after ? itemSize(after) : 0));
  let indexUnits = 0;
  for (const index of table.indexes) {
    const entry = (item: AttributeMap | undefined) => (item && index.keys.every((k) => k in item) ? item : undefined);
    const oldEntry = entry(before);
    const newEntry = entry(after);
    const entryUnits = (item: AttributeMap) => units(indexEntrySize(table, index, item));
    if (!oldEntry && !newEntry) continue;
    if (!oldEntry || !newEntry) {
      indexUnits += entryUnits((oldEntry ?? newEntry) as AttributeMap);
      continue;
    }
    const sameKey = index.keys.every((k) => JSON.stringify(oldEntry[k]) === JSON.stringify(newEntry[k]));
    if (!sameKey) {
      indexUnits += entryUnits(oldEntry) + entryUnits(newEntry);
      continue;
    }
    const projected = (item: AttributeMap) =>
      JSON.stringify(projectedAttributes(table, index, item).map((name) => [name, item[name]]));
    if (index.projection !== 'KEYS_ONLY' && projected(oldEntry) !== projected(newEntry)) {
      indexUnits += entryUnits(newEntry);
    }
  }
  return { table: tableUnits, indexes: indexUnits };
}

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

function projectedAttributes(table: TableShape, index: TableShape['indexes'][number], item: AttributeMap): string[] {
  const names = new Set([...index.keys, ...table.keys]);
  if (index.projection === 'ALL') for (const name of Object.keys(item)) names.add(name);
  if (index.projection === 'INCLUDE') for (const name of index.include) names.add(name);
  return [...names].filter((name) => name in item).sort();
}

function indexEntrySize(table: TableShape, index: TableShape['indexes'][number], item: AttributeMap): number {
  const entry: AttributeMap = {};
  for (const name of projectedAttributes(table, index, item)) entry[name] = item[name] as AttributeValue;
  return itemSize(entry) + 100;
}

/**
 * An item's size as DynamoDB counts it: each attribute's UTF-8 name plus its value. Strings and
 * binaries by length; a number 1 byte plus 1 per two significant digits; booleans and nulls 1 byte;
 * sets the sum of their elements; lists and maps 3 bytes plus 1 byte per element (plus a map entry's
 * name) plus the elements.
 */
export function itemSize(item: AttributeMap): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(String(value.S));
  if ('N' in value) return numberSize(String(value.N));
  if ('B' in value) return binarySize(value.B);
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return (value.SS as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if ('NS' in value) return (value.NS as string[]).reduce((sum, n) => sum + numberSize(n), 0);
  if ('BS' in value) return (value.BS as unknown[]).reduce<number>((sum, b) => sum + binarySize(b), 0);
  if ('L' in value) return 3 + (value.L as AttributeValue[]).reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if ('M' in value) {
    const entries = Object.entries(value.M as AttributeMap);
    return 3 + entries.reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  }
  return 0;
}

function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return 1 + Math.ceil(Math.max(digits.length, 1) / 2);
}

function binarySize(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  return Buffer.from(String(value), 'base64').length;
}

/** An item returned by the DocumentClient (plain values) in wire form; wire form passes as is. */
function toWire(item: Record<string, unknown>, hashKey: string): AttributeMap {
  const key = item[hashKey];
  const isWire = typeof key === 'object' && key !== null && !(key instanceof Uint8Array);
  if (isWire) return item as AttributeMap;
  const wire: AttributeMap = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) wire[name] = toWireValue(value);
  return wire;
}

function toWireValue(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof Uint8Array) return { B: value };
  if (value instanceof Set) {
    const values = [...value];
    if (values.every((v) => typeof v === 'string')) return { SS: values };
    if (values.every((v) => typeof v === 'number' || typeof v === 'bigint')) return { NS: values.map(String) };
    return { BS: values };
  }
  if (Array.isArray(value)) return { L: value.map(toWireValue) };
  if (typeof value === 'object') {
    // The DocumentClient's NumberValue keeps big numbers as text.
    if ('value' in value && value.constructor?.name === 'NumberValue') return { N: String(value.value) };
    const map: AttributeMap = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) map[k] = toWireValue(v);
    return { M: map };
  }
  return { NULL: true };
}

// ---- small utilities ----

function emptySnapshot(): MeterSnapshot {
  return {
    calls: {},
    requests: {},
    errors: {},
    dynamoDb: {
      reported: { readUnits: 0, writeUnits: 0 },
      readUnitsByOperation: {},
      computed: { tableWriteUnits: 0, indexWriteUnits: 0, writeUnits: 0, unmeasuredWrites: 0 },
    },
  };
}

function bump(counts: Record<string, number>, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

function sumCapacity(capacity: unknown): number {
  const all = Array.isArray(capacity) ? capacity : capacity ? [capacity] : [];
  return all.reduce((sum, c) => sum + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
}

/** Calls of these operations, summed: e.g. `sumOf(snapshot.calls, 'DynamoDB.PutItem', 'DynamoDB.UpdateItem')`. */
export function sumOf(counts: Record<string, number>, ...names: string[]): number {
  return names.reduce((sum, name) => sum + (counts[name] ?? 0), 0);
}
