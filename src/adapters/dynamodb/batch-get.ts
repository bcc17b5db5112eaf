import { BatchGetCommand, type NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { BackendUnavailableError } from '../../domain/errors.js';
import type { Item } from './items.js';
import { call, type Table } from './table.js';
import { KEY } from './table-schema.js';

/** BatchGetItem's limit of keys per request. */
export const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_MAX_ROUNDS = 8;

/** How batchGet's result is keyed. */
export const foundKey = (pk: NativeAttributeValue, sk: NativeAttributeValue) => `${pk}|${sk}`;

/** Items by `foundKey(pk, sk)`. BatchGetItem may leave keys unprocessed under load; those are asked again. */
export async function batchGet(table: Table, keys: Item[], consistent: boolean): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  // BatchGetItem refuses a request naming one key twice.
  const unique = [...new Map(keys.map((key) => [foundKey(key[KEY.partition], key[KEY.sort]), key])).values()];
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
        const output = await call(() =>
          table.doc.send(
            new BatchGetCommand({ RequestItems: { [table.name]: { Keys: requested, ConsistentRead: consistent } } }),
          ),
        );
        for (const item of output.Responses?.[table.name] ?? []) {
          found.set(foundKey(item[KEY.partition], item[KEY.sort]), item);
        }
        pending = (output.UnprocessedKeys?.[table.name]?.Keys ?? []) as Item[];
      }
    }),
  );
  return found;
}
