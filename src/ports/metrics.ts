import type { OutcomeCategory } from '../domain/notification.js';

/**
 * Business metrics the use cases report. Lambda publishes them as CloudWatch EMF under these names;
 * the node server exposes them for Prometheus as `herald_` metrics (prometheus-metrics.ts maps each).
 */
export type CountMetric =
  | 'NotificationsAccepted'
  | 'NotificationsDelivered'
  | 'NotificationsFailed'
  | 'NotificationsCancelled'
  | 'DeliveryRetriesScheduled'
  /** One per attempt, with its outcome `category`. */
  | 'DeliveryAttempts';
export type TimingMetric = 'DeliveryLatency' | 'AttemptResponseTime';

/** The only dimension a metric carries: an outcome category has 7 values, so its cardinality is bounded. */
export interface MetricDimensions {
  category?: OutcomeCategory;
}

export interface Metrics {
  count(name: CountMetric, value?: number, dimensions?: MetricDimensions): void;
  timing(name: TimingMetric, milliseconds: number): void;
}

export const noMetrics: Metrics = { count() {}, timing() {} };
