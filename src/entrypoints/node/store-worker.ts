import { attemptClaimed } from '../../app/deliver-notification.js';
import type { AppDependencies } from '../../app/dependencies.js';
import type { DeliveryTicket } from '../../app/destination-gate.js';
import { planClaims } from '../../app/plan-claims.js';
import type { Notification } from '../../domain/notification.js';
import type { ClaimableStore } from '../../ports/notification-store.js';
import type { WakeSignal } from './wake-signal.js';

export interface StoreWorkerOptions {
  /** Deliveries in flight at once (HERALD_DELIVERY_CONCURRENCY). */
  concurrency: number;
  /** With nothing due, look again at least this often (a resumed destination, a lease run out). */
  idleWaitMs?: number;
  /** After a store failure, wait this long before claiming again. */
  errorBackoffMs?: number;
  /** Told the number of deliveries in flight whenever it changes (a worker on another thread reports it). */
  onActiveDeliveries?: (count: number) => void;
}

/**
 * The single process's worker: the store is its queue. Each round shares the free delivery slots
 * among the destinations with work due (plan-claims.ts), asks each destination's gate how many may
 * start (cap, pause, breaker, rate limit), claims that many of its oldest due notifications and
 * sends them. A saturated, open or paused destination is skipped, never waited behind. Rounds run
 * when the store says work is due, when a delivery ends, and at least every `idleWaitMs`.
 */
export class StoreWorker {
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private loop: Promise<void> | undefined;
  /** The round under way, if any: its gate decisions may rest on records read before a change. */
  private current: Promise<'claimed' | number | null> | undefined;

  constructor(
    private readonly deps: AppDependencies,
    private readonly store: ClaimableStore,
    private readonly wake: WakeSignal,
    private readonly options: StoreWorkerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.claimLoop();
  }

  /** Stops claiming and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake.notify();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  get activeDeliveries(): number {
    return this.inFlight.size;
  }

  /**
   * Settles once the round under way, if any, has claimed what it will: a round started after a
   * destination's record was dropped from the gate decides on the record as now stored.
   */
  async roundEnded(): Promise<void> {
    await this.current?.catch(() => {});
  }

  private async claimLoop(): Promise<void> {
    const { idleWaitMs = 500, errorBackoffMs = 1000 } = this.options;
    while (this.running) {
      let waitMs = idleWaitMs;
      try {
        const round = this.round();
        this.current = round;
        const next = await round.finally(() => {
          this.current = undefined;
        });
        if (next === 'claimed') continue;
        if (next !== null) waitMs = Math.min(waitMs, Math.max(0, next - this.deps.clock.now().getTime()));
      } catch (error) {
        this.deps.logger.error({ err: error }, 'claiming failed; backing off');
        waitMs = errorBackoffMs;
      }
      await this.wake.wait(waitMs);
    }
  }

  /** Claims and starts what it may; `claimed`, or when to look again (null: nothing known). */
  private async round(): Promise<'claimed' | number | null> {
    // Deliveries end in bursts (their records commit together): one round claims for all of them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return null; // A delivery that ends wakes the loop.
    const now = this.deps.clock.now();
    const plan = planClaims(await this.store.dueDestinations(), free, now.getTime());
    let next = plan.nextDueAt;
    let started = 0;
    for (const { destination, share } of plan.ready) {
      if (free <= 0 || !this.running) break;
      const acquired = await this.deps.destinations.acquire(destination, Math.min(share, free));
      if (acquired.kind === 'wait') {
        const until = acquired.until?.getTime() ?? null;
        if (until !== null && (next === null || until < next)) next = until;
        continue;
      }
      const at = this.deps.clock.now();
      const lease = new Date(at.getTime() + this.deps.leaseMs).toISOString();
      let claimed: Notification[] = [];
      try {
        claimed = await this.store.claimDue(destination, acquired.tickets.length, at.toISOString(), lease);
      } finally {
        for (const ticket of acquired.tickets.slice(claimed.length)) ticket.cancel();
      }
      for (const [i, notification] of claimed.entries())
        this.track(notification, acquired.tickets[i] as DeliveryTicket);
      free -= claimed.length;
      started += claimed.length;
    }
    return started > 0 ? 'claimed' : next;
  }

  private track(notification: Notification, ticket: DeliveryTicket): void {
    const id = notification.id;
    const delivery = attemptClaimed(this.deps, notification, ticket).then(
      () => {},
      (error: unknown) =>
        // The record stays PROCESSING; it is claimed again once its lease runs out (or at restart).
        this.deps.logger.error({ err: error, notificationId: id }, 'delivery not recorded; it will be attempted again'),
    );
    this.inFlight.add(delivery);
    this.options.onActiveDeliveries?.(this.inFlight.size);
    void delivery.finally(() => {
      this.inFlight.delete(delivery);
      this.options.onActiveDeliveries?.(this.inFlight.size);
      this.wake.notify();
    });
  }
}
