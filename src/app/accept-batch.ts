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
 * stored, enqueued — so one bad or conflicting item refuses only itself. Results keep input order.
 * Only a malformed envelope refuses the whole batch.
 */
export async function acceptBatch(deps: AppDependencies, input: unknown): Promise<BatchItemResult[]> {
  const items = parseEnvelope(input);
  const results: BatchItemResult[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await acceptOne(deps, items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
  return results;
}

async function acceptOne(deps: AppDependencies, item: unknown): Promise<BatchItemResult> {
  try {
    return await acceptNotification(deps, item);
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
