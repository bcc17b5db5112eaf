import type { Context } from 'aws-lambda';
import { advanceRecoveries } from '../../app/recoveries.js';
import { redriveDeadLetters } from '../../app/redrive-dead-letters.js';
import { sweepPending } from '../../app/sweep-pending.js';
import { invocation, type LambdaRuntime } from './runtime.js';

/** Runs long enough to drain a backlog, but stops well before the function's own timeout. */
const SAFETY_MARGIN_MS = 10_000;

/**
 * What one run advances bulk recoveries by: the schedule paces them, at most this many retries a
 * minute (each retry is one SQS message and a few small writes).
 */
export const RECOVERY_BUDGET_PER_RUN = 1000;

/**
 * EventBridge, every minute: enqueue notifications left PENDING, advance bulk recoveries, then send
 * dead-lettered notifications back.
 */
export function createSweeperHandler(runtime: LambdaRuntime) {
  const { deps } = runtime;
  return invocation(
    runtime,
    async (_event: unknown, context: Context): Promise<{ enqueued: number; redriven: number; recovered: number }> => {
      const timeLeft = () => context.getRemainingTimeInMillis() >= SAFETY_MARGIN_MS;
      let enqueued = 0;
      for (;;) {
        const swept = await sweepPending(deps);
        enqueued += swept;
        if (swept === 0 || !timeLeft()) break;
      }
      const recovered = timeLeft() ? await advanceRecoveries(deps, RECOVERY_BUDGET_PER_RUN, timeLeft) : 0;
      // Last: a dead-letter queue that cannot be read fails the run, after the rest has been done.
      const redriven = timeLeft() ? (await redriveDeadLetters(deps, runtime.deadLetters)).redriven : 0;
      return { enqueued, redriven, recovered };
    },
  );
}
