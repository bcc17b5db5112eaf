import { describe, expect, it } from 'vitest';
import { type GaugeSnapshot, PrometheusMetrics } from '../../src/adapters/observability/prometheus-metrics.js';

const snapshot = (overrides: Partial<GaugeSnapshot> = {}): GaugeSnapshot => ({
  byStatus: { PENDING: 2, QUEUED: 3, PROCESSING: 1, SUCCESS: 10, FAILED: 4, CANCELLED: 0 },
  oldestDueAt: 1_000_000,
  destinations: { CLOSED: 5, OPEN: 1, HALF_OPEN: 0, PAUSED: 1 },
  unhealthy: [
    { destination: 'https://down.example', state: 'OPEN' },
    { destination: 'https://held.example', state: 'PAUSED' },
  ],
  now: 1_030_000,
  ...overrides,
});

/** The value of one sample line, e.g. `herald_notifications{status="QUEUED"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics', () => {
  it('counts the port metrics under herald_ names, final outcomes and attempts by label', async () => {
    const metrics = new PrometheusMetrics(async () => snapshot());
    metrics.count('NotificationsAccepted');
    metrics.count('NotificationsAccepted', 2);
    metrics.count('NotificationsDelivered');
    metrics.count('NotificationsFailed');
    metrics.count('NotificationsCancelled');
    metrics.count('DeliveryAttempts', 1, { category: 'SUCCESS' });
    metrics.count('DeliveryAttempts', 1, { category: 'TIMEOUT' });
    metrics.count('DeliveryAttempts', 1, { category: 'TIMEOUT' });
    metrics.timing('AttemptResponseTime', 30);
    metrics.timing('AttemptResponseTime', 2000);

    const text = await metrics.render();

    expect(sample(text, 'herald_notifications_accepted_total')).toBe(3);
    expect(sample(text, 'herald_notifications_final_total{status="SUCCESS"}')).toBe(1);
    expect(sample(text, 'herald_notifications_final_total{status="CANCELLED"}')).toBe(1);
    expect(sample(text, 'herald_delivery_attempts_total{category="TIMEOUT"}')).toBe(2);
    expect(sample(text, 'herald_attempt_duration_seconds_count')).toBe(2);
    expect(sample(text, 'herald_attempt_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(text, 'herald_attempt_duration_seconds_sum')).toBeCloseTo(2.03);
    expect(metrics.contentType).toMatch(/^text\/plain/);
  });

  it('reads the gauges afresh on every render, leaving out counts the backend cannot give', async () => {
    let current = snapshot();
    const metrics = new PrometheusMetrics(async () => current);

    const first = await metrics.render();
    expect(sample(first, 'herald_notifications{status="QUEUED"}')).toBe(3);
    expect(sample(first, 'herald_oldest_due_age_seconds')).toBe(30);
    expect(sample(first, 'herald_destinations{state="OPEN"}')).toBe(1);
    expect(sample(first, 'herald_destination_unhealthy{destination="https://down.example",state="OPEN"}')).toBe(1);

    current = snapshot({
      byStatus: { PENDING: null, QUEUED: 7, PROCESSING: 2, SUCCESS: null, FAILED: 4, CANCELLED: null },
      oldestDueAt: null,
      unhealthy: [],
    });
    const second = await metrics.render();
    expect(sample(second, 'herald_notifications{status="QUEUED"}')).toBe(7);
    expect(sample(second, 'herald_notifications{status="SUCCESS"}')).toBeUndefined();
    expect(sample(second, 'herald_oldest_due_age_seconds')).toBe(0);
    expect(second).not.toContain('https://down.example');
  });
});
