/** Business metrics the use cases report; Lambda publishes them as CloudWatch EMF, the node server logs none. */
export type CountMetric =
  | 'NotificationsAccepted'
  | 'NotificationsDelivered'
  | 'NotificationsFailed'
  | 'DeliveryRetriesScheduled';
export type TimingMetric = 'DeliveryLatency' | 'AttemptResponseTime';

export interface Metrics {
  count(name: CountMetric, value?: number): void;
  timing(name: TimingMetric, milliseconds: number): void;
}

export const noMetrics: Metrics = { count() {}, timing() {} };
