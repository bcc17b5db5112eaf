import type { AppDependencies } from '../../app/dependencies.js';
import { purgeExpired, purgeIdleDestinations } from '../../app/purge-expired.js';
import type { PurgeableDestinationStore } from '../../ports/destination-store.js';
import type { PurgeableStore } from '../../ports/notification-store.js';

/** How often retention runs; each run deletes what has aged past it since the last. */
export const PURGE_INTERVAL_MS = 60_000;

/**
 * Runs retention at start-up and every PURGE_INTERVAL_MS. A paced purge of a large backlog outlasts
 * the interval: a run that comes due while the previous one goes on is skipped, never started beside
 * it (two would each take their share of the server's time). Stopping ends the purge between two
 * batches rather than after the whole backlog; the next start goes on with it.
 */
export class RetentionRunner {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #stopping = new AbortController();

  constructor(
    private readonly deps: Pick<AppDependencies, 'clock' | 'logger'>,
    private readonly store: PurgeableStore,
    private readonly retentionDays: number,
    /** Idle destination records go after the old notifications, which may have been all they had. */
    private readonly destinations?: PurgeableDestinationStore,
  ) {}

  start(): void {
    this.run();
    this.#timer = setInterval(() => this.run(), PURGE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Starts a purge now, unless one is still going. */
  run(): void {
    if (this.#running || this.#stopping.signal.aborted) return;
    const options = { signal: this.#stopping.signal };
    this.#running = purgeExpired(this.deps, this.store, this.retentionDays, options)
      .then(async () => {
        if (this.destinations) await purgeIdleDestinations(this.deps, this.destinations, this.retentionDays, options);
      })
      .then(
        () => {},
        (error) => this.deps.logger.error({ err: error }, 'retention purge failed; it runs again shortly'),
      )
      .finally(() => {
        this.#running = undefined;
      });
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping.abort();
    await this.#running;
  }
}
