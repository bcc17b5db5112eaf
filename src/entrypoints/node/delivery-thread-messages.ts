import type { HeraldConfig } from '../../config.js';
import type { CountMetric, MetricDimensions, TimingMetric } from '../../ports/metrics.js';

/** What the delivery thread is started with (`workerData`). */
export interface DeliveryThreadData {
  config: HeraldConfig;
  /** One Int32: the deliveries in flight, written by the thread, read by the main thread at any time. */
  activeDeliveries: SharedArrayBuffer;
}

/** From the main thread: work is due (an insert, a retry), an operator changed a destination, stop. */
export type ToDeliveryThread =
  | { kind: 'workDue' }
  | { kind: 'destinationChanged'; destination: string }
  | { kind: 'stop' };

export type MetricEvent =
  | { kind: 'count'; name: CountMetric; value: number; dimensions?: MetricDimensions }
  | { kind: 'timing'; name: TimingMetric; milliseconds: number };

/** From the delivery thread: it has started, and its metrics. */
export type FromDeliveryThread = { kind: 'ready' } | { kind: 'metrics'; events: MetricEvent[] };
