import type { Context } from 'aws-lambda';
import { sweepPending } from '../../app/sweep-pending.js';
import { invocation, type LambdaRuntime } from './runtime.js';

/** Runs long enough to drain a backlog, but stops well before the function's own timeout. */
const SAFETY_MARGIN_MS = 10_000;

/** EventBridge, every minute: enqueue notifications left PENDING (SPEC.md §2). */
export function createSweeperHandler(runtime: LambdaRuntime) {
  const { deps } = runtime;
  return invocation(runtime, async (_event: unknown, context: Context): Promise<{ enqueued: number }> => {
    let enqueued = 0;
    for (;;) {
      const swept = await sweepPending(deps);
      enqueued += swept;
      if (swept === 0 || context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS) break;
    }
    return { enqueued };
  });
}
