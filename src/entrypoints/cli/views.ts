import { type Output, table } from './output.js';

/** The fields of the API's records the CLI shows; the API's answer is passed through as JSON. */
export interface NotificationRecord {
  id: string;
  status: string;
  destination: string;
  /** The caller whose key sent it. */
  caller: string;
  url: string;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveryResult: { category: string; statusCode: number | null } | null;
}

export interface DestinationRecord {
  destination: string;
  state: string;
  maxConcurrency: number;
  requestsPerSecond: number | null;
  waiting: number | null;
  inFlight: number | null;
}

const dash = (value: unknown) => (value === null || value === undefined ? '-' : String(value));

function lastOutcome(n: NotificationRecord): string {
  if (n.deliveryResult === null) return '-';
  const code = n.deliveryResult.statusCode;
  return code === null ? n.deliveryResult.category : `${n.deliveryResult.category} ${code}`;
}

export function notificationsTable(output: Output, items: NotificationRecord[]): string {
  return table(
    ['ID', 'STATUS', 'ATTEMPTS', 'LAST', 'DESTINATION', 'CALLER', 'CREATED', 'NEXT ATTEMPT'],
    items.map((n) => [
      n.id,
      output.status(n.status),
      String(n.attempts),
      lastOutcome(n),
      n.destination,
      n.caller,
      n.createdAt,
      dash(n.nextAttemptAt),
    ]),
  );
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
