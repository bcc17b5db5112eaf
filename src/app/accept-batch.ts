import { DEFAULT_CALLER } from '../domain/caller.js';
import { HeraldError, ValidationError } from '../domain/errors.js';
import type { Notification } from '../domain/notification.js';
import { acceptNotification } from './accept-notification.js';
import type { AppDependencies } from './dependencies.js';

/** The most notifications one batch may hold. */
export const MAX_BATCH_SIZE = 100;
/** Items accepted at the same time: enough to share SQLite's group commits, few enough to be gentle. */
const BATCH_CONCURRENCY = 10;

export type BatchItemResult =
  | { outcome: 'created' | 'replayed'; notification: Notification }
  | { outcome: 'refused'; error: HeraldError };

/**
 * Batch ingest: each item goes through the single ingest on its own — validated, deduplicated,
 * stored, enqueued — so one bad or conflicting item refuses only itself. Results keep input order,
 * and items of one ordering key are accepted one after another in input order (their line's order).
 * Only a malformed envelope refuses the whole batch. Every item is sent by `caller` (accept-notification.ts).
 */
export async function acceptBatch(
  deps: AppDependencies,
  input: unknown,
  caller = DEFAULT_CALLER.name,
): Promise<BatchItemResult[]> {
  const items = parseEnvelope(input);
  const results: BatchItemResult[] = new Array(items.length);
  const lanes = lanesOf(items);
  let next = 0;
  const worker = async () => {
    while (next < lanes.length) {
      for (const index of lanes[next++] ?? []) results[index] = await acceptOne(deps, items[index], caller);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, lanes.length) }, worker));
  return results;
}

/**
 * The items' indexes in lanes accepted concurrently: one lane per ordering key (its items in input
 * order), one per item without a key. A key that is not a string is left to validation to refuse.
 */
function lanesOf(items: unknown[]): number[][] {
  const lanes: number[][] = [];
  const byKey = new Map<string, number[]>();
  for (const [index, item] of items.entries()) {
    const key = (item as { orderingKey?: unknown } | null)?.orderingKey;
    const lane = typeof key === 'string' ? byKey.get(key) : undefined;
    if (lane) {
      lane.push(index);
      continue;
    }
    const created = [index];
    if (typeof key === 'string') byKey.set(key, created);
    lanes.push(created);
  }
  return lanes;
}

async function acceptOne(deps: AppDependencies, item: unknown, caller: string): Promise<BatchItemResult> {
  try {
    return await acceptNotification(deps, item, undefined, caller);
  } catch (error) {
    if (error instanceof HeraldError) return { outcome: 'refused', error };
    throw error;
  }
}

function parseEnvelope(input: unknown): unknown[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ field: '(body)', message: 'must be an object { "notifications": [...] }' }]);
  }
  const unknown = Object.keys(input).filter((key) => key !== 'notifications');
  if (unknown.length > 0) {
    throw new ValidationError(unknown.map((field) => ({ field, message: 'is not a field of a batch' })));
  }
  const { notifications } = input as { notifications?: unknown };
  if (!Array.isArray(notifications) || notifications.length === 0 || notifications.length > MAX_BATCH_SIZE) {
    throw new ValidationError([
      { field: 'notifications', message: `must be an array of 1 to ${MAX_BATCH_SIZE} notifications` },
    ]);
  }
  return notifications;
}
