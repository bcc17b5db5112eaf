import type { AppDependencies } from '../../app/dependencies.js';
import { advanceRecoveries, RECOVERY_STEP_SIZE } from '../../app/recoveries.js';

/** The pace of bulk recoveries in the node server: one step (RECOVERY_STEP_SIZE retries) a second. */
export const RECOVERY_TICK_MS = 1000;

/**
 * Advances running recovery jobs on a timer, so a recovery neither floods the workers nor depends on
 * the request that started it; a job a previous process left RUNNING is picked up on start.
 */
export class RecoveryRunner {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AppDependencies) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.#running = this.#running.then(() => this.#tick());
    }, RECOVERY_TICK_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  async #tick(): Promise<void> {
    try {
      await advanceRecoveries(this.deps, RECOVERY_STEP_SIZE);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'recovery step failed; it runs again shortly');
    }
  }
}
