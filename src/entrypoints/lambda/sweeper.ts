import type { Context } from 'aws-lambda';
import { advanceRecoveries } from '../../app/recoveries.js';
import { sweepPending } from '../../app/sweep-pending.js';
import { invocation, lambdaRuntime } from './runtime.js';

const { deps } = lambdaRuntime();

/** Runs long enough to drain a backlog, but stops well before the function's own timeout. */
const SAFETY_MARGIN_MS = 10_000;

/**
 * What one run advances bulk recoveries by: the schedule paces them, at most this many retries a
 * minute (each retry is one SQS message and a few small writes).
 */
export const RECOVERY_BUDGET_PER_RUN = 1000;

/** EventBridge, every minute: enqueue notifications left PENDING, then advance bulk recoveries. */
export const handler = invocation(
  async (_event: unknown, context: Context): Promise<{ enqueued: number; recovered: number }> => {
    let enqueued = 0;
    for (;;) {
      const swept = await sweepPending(deps);
      enqueued += swept;
      if (swept === 0 || context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS) break;
    }
    const recovered =
      context.getRemainingTimeInMillis() < SAFETY_MARGIN_MS
        ? 0
        : await advanceRecoveries(deps, RECOVERY_BUDGET_PER_RUN);
    return { enqueued, recovered };
  },
);
