import { type Output, streamingTable, table } from './output.js';
import type { DestinationRecord, NotificationRecord } from './responses.js';

const dash = (value: unknown) => (value === null || value === undefined ? '-' : String(value));

function lastOutcome(n: NotificationRecord): string {
  if (n.deliveryResult === null) return '-';
  const code = n.deliveryResult.statusCode;
  return code === null ? n.deliveryResult.category : `${n.deliveryResult.category} ${code}`;
}

const NOTIFICATION_COLUMNS = ['ID', 'STATUS', 'ATTEMPTS', 'LAST', 'DESTINATION', 'CALLER', 'CREATED', 'NEXT ATTEMPT'];

function notificationCells(output: Output, n: NotificationRecord): string[] {
  return [
    n.id,
    output.status(n.status),
    String(n.attempts),
    lastOutcome(n),
    n.destination,
    n.caller,
    n.createdAt,
    dash(n.nextAttemptAt),
  ];
}

export function notificationsTable(output: Output, items: NotificationRecord[]): string {
  return table(
    NOTIFICATION_COLUMNS,
    items.map((n) => notificationCells(output, n)),
  );
}

/**
 * The notifications table a row at a time (tail), its columns wide enough for what they usually
 * hold: an id, a status, `SERVER_ERROR 503`-like outcomes, `destinationWidth` for the destination.
 */
export function notificationStream(output: Output, destinationWidth: number) {
  const widths = [36, 10, 8, 16, destinationWidth, 12, 24, 0];
  const stream = streamingTable(NOTIFICATION_COLUMNS.map((header, i) => ({ header, width: widths[i] ?? 0 })));
  return { header: stream.header, row: (n: NotificationRecord) => stream.row(notificationCells(output, n)) };
}

/** One notification as `field  value` lines. */
export function notificationDetail(output: Output, n: NotificationRecord & Record<string, unknown>): string {
  const rows = ['id', 'status', 'url', 'destination', 'caller', 'method', 'attempts', 'maxAttempts', 'createdAt']
    .concat(['lastUpdatedAt'])
    .concat(['lastDeliveryAttempt', 'nextAttemptAt', 'deliveredAt'])
    .map((field) => [field, field === 'status' ? output.status(n.status) : dash(n[field])]);
  rows.push(['lastOutcome', lastOutcome(n)]);
  return table(['FIELD', 'VALUE'], rows);
}

export function destinationsTable(output: Output, items: DestinationRecord[]): string {
  return table(
    ['DESTINATION', 'STATE', 'MAX CONCURRENCY', 'RPS', 'WAITING', 'IN FLIGHT'],
    items.map((d) => [
      d.destination,
      output.status(d.state),
      String(d.maxConcurrency),
      dash(d.requestsPerSecond),
      dash(d.waiting),
      dash(d.inFlight),
    ]),
  );
}
