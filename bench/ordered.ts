import type { DeliveryLoad, ServiceRunResult } from './delivery-run.js';
import { measureSingleProcess } from './single-process.js';

export interface OrderedResult {
  keys: number;
  unordered: ServiceRunResult;
  ordered: ServiceRunResult;
  /** Ordered delivered/s ÷ unordered delivered/s, same run. */
  ratio: number;
}

/**
 * The single-process closed-loop run twice in a row on fresh servers: without ordering keys, then
 * with the notifications spread over `keys` keys in turn (each key's line delivers one at a time).
 */
export async function measureOrdered(load: DeliveryLoad, keys: number): Promise<OrderedResult> {
  const unordered = await measureSingleProcess(load);
  const ordered = await measureSingleProcess({ ...load, orderingKeys: keys });
  return {
    keys,
    unordered,
    ordered,
    ratio: ordered.endToEnd.deliveredPerSecond / unordered.endToEnd.deliveredPerSecond,
  };
}
