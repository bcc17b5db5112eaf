import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DestinationState } from '../../domain/destination.js';
import type { Status } from '../../domain/notification.js';
import type { CountMetric, MetricDimensions, Metrics, TimingMetric } from '../../ports/metrics.js';

/** What the gauges show, read from the store on each scrape (so they are never stale between events). */
export interface GaugeSnapshot {
  byStatus: Record<Status, number | null>;
  /** Epoch ms the oldest due notification became due; null when none is due. */
  oldestDueAt: number | null;
  destinations: Record<DestinationState, number>;
  /** A bounded list of destinations not CLOSED (see UNHEALTHY_DESTINATIONS_SHOWN). */
  unhealthy: { destination: string; state: DestinationState }[];
  now: number;
}

/**
 * How many destinations the `herald_destination_unhealthy` gauge names. A label per destination is
 * unbounded (any origin a caller sends to), so only those not CLOSED are named, and at most this many:
 * the series count stays bounded however many vendors there are.
 */
export const UNHEALTHY_DESTINATIONS_SHOWN = 20;

/** Seconds, for response times from a few ms up to the longest attempt timeout (and deliveries after retries). */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 1800, 3600, 21600, 86400];

/**
 * The Metrics port on prom-client, for the node server's `GET /metrics`: each port metric becomes one
 * `herald_` metric — counters for events, histograms for timings — and `render` first refreshes the
 * gauges from a snapshot of the store, then writes the Prometheus text format.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #accepted = this.#counter('herald_notifications_accepted_total', 'Notifications accepted by ingest.');
  readonly #final = this.#counter('herald_notifications_final_total', 'Notifications that reached a final status.', [
    'status',
  ]);
  readonly #retries = this.#counter(
    'herald_delivery_retries_scheduled_total',
    'Attempts followed by a scheduled retry.',
  );
  readonly #attempts = this.#counter('herald_delivery_attempts_total', 'Delivery attempts by outcome category.', [
    'category',
  ]);
  readonly #attemptDuration = new Histogram({
    name: 'herald_attempt_duration_seconds',
    help: "A delivery attempt's duration: from sending the request to the end of the (truncated) response.",
    buckets: ATTEMPT_BUCKETS,
    registers: [this.registry],
  });
  readonly #deliveryLatency = new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'From acceptance to SUCCESS, retries included.',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #byStatus = this.#gauge('herald_notifications', 'Notifications by status, counted in the store.', [
    'status',
  ]);
  readonly #oldestDueAge = this.#gauge(
    'herald_oldest_due_age_seconds',
    'How long the notification waiting longest (PENDING or QUEUED, due, its destination not paused) has been due; 0 when none is.',
  );
  readonly #destinations = this.#gauge('herald_destinations', 'Destinations by breaker state.', ['state']);
  readonly #unhealthy = this.#gauge(
    'herald_destination_unhealthy',
    `1 for each destination not CLOSED (at most ${UNHEALTHY_DESTINATIONS_SHOWN} named).`,
    ['destination', 'state'],
  );

  /** Where each port metric is counted: final outcomes share one counter, labelled by status. */
  readonly #counters: Record<CountMetric, { counter: Counter<string>; labels: Record<string, string> }> = {
    NotificationsAccepted: { counter: this.#accepted, labels: {} },
    NotificationsDelivered: { counter: this.#final, labels: { status: 'SUCCESS' } },
    NotificationsFailed: { counter: this.#final, labels: { status: 'FAILED' } },
    NotificationsCancelled: { counter: this.#final, labels: { status: 'CANCELLED' } },
    DeliveryRetriesScheduled: { counter: this.#retries, labels: {} },
    DeliveryAttempts: { counter: this.#attempts, labels: {} },
  };

  constructor(private readonly snapshot: () => Promise<GaugeSnapshot>) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  count(name: CountMetric, value = 1, dimensions: MetricDimensions = {}): void {
    const { counter, labels } = this.#counters[name];
    counter.inc(name === 'DeliveryAttempts' ? { category: dimensions.category ?? 'UNKNOWN' } : labels, value);
  }

  timing(name: TimingMetric, milliseconds: number): void {
    const histogram = name === 'AttemptResponseTime' ? this.#attemptDuration : this.#deliveryLatency;
    histogram.observe(milliseconds / 1000);
  }

  /** The Prometheus text exposition, gauges read afresh. */
  async render(): Promise<string> {
    const snapshot = await this.snapshot();
    this.#byStatus.reset();
    for (const [status, count] of Object.entries(snapshot.byStatus)) {
      // A count the backend cannot give is left out rather than shown as 0.
      if (count !== null) this.#byStatus.set({ status }, count);
    }
    const oldest = snapshot.oldestDueAt;
    this.#oldestDueAge.set(oldest === null ? 0 : Math.max(0, (snapshot.now - oldest) / 1000));
    for (const [state, count] of Object.entries(snapshot.destinations)) this.#destinations.set({ state }, count);
    this.#unhealthy.reset();
    for (const { destination, state } of snapshot.unhealthy) this.#unhealthy.set({ destination, state }, 1);
    return this.registry.metrics();
  }

  #counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  #gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
