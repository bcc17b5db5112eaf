import type { HeraldConfig } from '../../config.js';
import type { DestinationRecord } from '../../domain/destination.js';
import type { CountMetric, MetricDimensions, TimingMetric } from '../../ports/metrics.js';

/** What the delivery thread is started with (`workerData`). */
export interface DeliveryThreadData {
  config: HeraldConfig;
  /** One Int32: the deliveries in flight, written by the thread, read by the main thread at any time. */
  activeDeliveries: SharedArrayBuffer;
  /** The process's DurabilityLoss flag: an fdatasync that failed on either connection stops both acknowledging. */
  durabilityLoss: SharedArrayBuffer;
}

/**
 * From the main thread: work is due (an insert, a retry), it changed a destination's record, as
 * stored (answered with `destinationAdopted` and the same `ack` once nothing decides on the old copy), stop.
 */
export type ToDeliveryThread =
  | { kind: 'workDue' }
  | { kind: 'destinationChanged'; record: DestinationRecord; ack: number }
  | { kind: 'stop' };

export type MetricEvent =
  | { kind: 'count'; name: CountMetric; value: number; dimensions?: MetricDimensions }
  | { kind: 'timing'; name: TimingMetric; milliseconds: number };

/** From the delivery thread: it has started, its metrics, and that it took a destination's new record. */
export type FromDeliveryThread =
  | { kind: 'ready' }
  | { kind: 'metrics'; events: MetricEvent[] }
  | { kind: 'destinationAdopted'; ack: number };
