// The console's only way out: Herald's public HTTP API (docs/api/openapi.json) on this origin.

export const STATUSES = ['PENDING', 'QUEUED', 'PROCESSING', 'SUCCESS', 'FAILED', 'CANCELLED'] as const;
export type Status = (typeof STATUSES)[number];
export const FINAL_STATUSES: readonly Status[] = ['SUCCESS', 'FAILED', 'CANCELLED'];
export type DestinationState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'PAUSED';

export interface ErrorDetails {
  code: string;
  message: string;
  category: string;
  responseBody: string | null;
}

export interface DeliveryResult {
  success: boolean;
  retryEligible: boolean;
  category: string;
  statusCode: number | null;
  statusText: string | null;
  responseTime: number;
  errorDetails: ErrorDetails | null;
  timestamp: string;
  correlationId: string;
}

export interface DeliveryAttempt extends DeliveryResult {
  attempt: number;
}

export interface Notification {
  id: string;
  /** The caller whose key sent it. */
  caller: string;
  status: Status;
  url: string;
  destination: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  idempotencyKey: string | null;
  metadata: unknown;
  sign: boolean;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number;
  createdAt: string;
  lastUpdatedAt: string;
  lastDeliveryAttempt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deliveryResult: DeliveryResult | null;
}

/** A listing's item: the record without its body, which only the record by id carries. */
export type ListedNotification = Omit<Notification, 'body'>;

export interface Destination {
  destination: string;
  state: DestinationState;
  inFlight: number | null;
  waiting: number | null;
  consecutiveFailures: number;
  openUntil: string | null;
  retryAfterUntil: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  maxConcurrency: number;
  maxConcurrencyOverride: number | null;
  requestsPerSecond: number | null;
}

export interface Stats {
  byStatus: Record<Status, number | null>;
  oldestDueAt: string | null;
  destinations: Record<DestinationState, number>;
  /** Up to 20 destinations not CLOSED. */
  unhealthyDestinations: { destination: string; state: DestinationState }[];
  exact: boolean;
}

export interface Recovery {
  id: string;
  state: 'RUNNING' | 'DONE' | 'FAILED';
  filter: RecoveryFilters & { status?: 'FAILED' };
  /** True while the job counts its matches, before it retries any. */
  counting: boolean;
  /** FAILED notifications matched: counted first, then the total the others make up. */
  matched: number;
  retried: number;
  skipped: number;
  startedAt: string;
  finishedAt: string | null;
  /** Why a FAILED job stopped. */
  error: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The listing's filters, as `GET /v1/notifications` takes them. */
export interface ListFilters {
  statuses?: Status[];
  destination?: string;
  createdAfter?: string;
  createdBefore?: string;
}

export interface RecoveryFilters {
  destination?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/** Who a key is and what it may do (GET /v1/caller). */
export interface Caller {
  name: string;
  role: 'send' | 'read' | 'operate';
}

/** A problem document (RFC 9457) the API answered with, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// The key lives in this tab's sessionStorage only: gone when the tab closes, never in localStorage or a cookie.
const KEY_ITEM = 'herald.apiKey';
const unauthorizedListeners = new Set<() => void>();

export const session = {
  key: (): string => sessionStorage.getItem(KEY_ITEM) ?? '',
  signIn(key: string): void {
    sessionStorage.setItem(KEY_ITEM, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY_ITEM);
  },
  /** Called whenever the API answers 401: the key is missing, wrong or revoked. */
  onUnauthorized(listener: () => void): () => void {
    unauthorizedListeners.add(listener);
    return () => unauthorizedListeners.delete(listener);
  },
};

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  // Herald takes no request that changes something without it, bodiless ones (pause, retry) included.
  if (body !== undefined || (method !== 'GET' && method !== 'HEAD')) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Herald did not answer; it may be down or restarting');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.ok) return parsed as T;
  if (res.status === 401) for (const listener of unauthorizedListeners) listener();
  const problem = (parsed ?? {}) as { code?: string; detail?: string; title?: string; errors?: ApiError['issues'] };
  throw new ApiError(
    res.status,
    problem.code ?? `HTTP_${res.status}`,
    problem.detail ?? problem.title ?? `${method} ${path} answered ${res.status}`,
    problem.errors,
  );
}

const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

const listQuery = (filters: ListFilters, cursor?: string, limit?: number) =>
  query({
    status: filters.statuses?.length ? filters.statuses.join(',') : undefined,
    destination: filters.destination,
    createdAfter: filters.createdAfter,
    createdBefore: filters.createdBefore,
    limit,
    cursor,
  });

const id = (value: string) => encodeURIComponent(value);

export const api = {
  /** Who this browser's key is: a 401 here means a key is needed (or the one given is wrong). */
  checkAccess: () => call<Caller>('GET', '/v1/caller'),
  notifications: (filters: ListFilters, cursor?: string, limit?: number) =>
    call<Page<ListedNotification>>('GET', `/v1/notifications${listQuery(filters, cursor, limit)}`),
  notification: (notificationId: string) => call<Notification>('GET', `/v1/notifications/${id(notificationId)}`),
  attempts: (notificationId: string) =>
    call<{ attempts: DeliveryAttempt[] }>('GET', `/v1/notifications/${id(notificationId)}/attempts`),
  retry: (notificationId: string) => call<Notification>('POST', `/v1/notifications/${id(notificationId)}/retry`),
  cancel: (notificationId: string) => call<Notification>('POST', `/v1/notifications/${id(notificationId)}/cancel`),
  stats: () => call<Stats>('GET', '/v1/stats'),
  destinations: (cursor?: string) => call<Page<Destination>>('GET', `/v1/destinations${query({ limit: 100, cursor })}`),
  destination: (destination: string) => call<Destination>('GET', `/v1/destinations/${id(destination)}`),
  pause: (destination: string) => call<Destination>('POST', `/v1/destinations/${id(destination)}/pause`),
  resume: (destination: string) => call<Destination>('POST', `/v1/destinations/${id(destination)}/resume`),
  setLimits: (destination: string, limits: { maxConcurrency: number | null; requestsPerSecond: number | null }) =>
    call<Destination>('PATCH', `/v1/destinations/${id(destination)}`, limits),
  startRecovery: (filters: RecoveryFilters) =>
    call<Recovery>('POST', '/v1/recoveries', { status: 'FAILED', ...filters }),
  recovery: (recoveryId: string) => call<Recovery>('GET', `/v1/recoveries/${id(recoveryId)}`),
};

/** Every destination, following the cursor (destinations are few: one per vendor origin). */
export async function allDestinations(maxPages = 10): Promise<Destination[]> {
  const all: Destination[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { items, nextCursor } = await api.destinations(cursor);
    all.push(...items);
    if (nextCursor === null) break;
    cursor = nextCursor;
  }
  return all;
}

/**
 * What the overview shows of the destinations, in two or three requests however many there are: the
 * first page, and those not CLOSED that the stats name but that page does not hold.
 */
export async function overviewDestinations(): Promise<Destination[]> {
  const [stats, first] = await Promise.all([api.stats(), api.destinations()]);
  const listed = new Set(first.items.map((d) => d.destination));
  const others = stats.unhealthyDestinations.filter((d) => !listed.has(d.destination));
  // One removed meanwhile (expired, or never stored) is left out rather than failing the overview.
  const named = await Promise.all(others.map((d) => api.destination(d.destination).catch(() => undefined)));
  return [...first.items, ...named.filter((d): d is Destination => d !== undefined)];
}

/** Counts the notifications matching `filters` by paging the listing, up to `maxPages` of 100. */
export async function countMatching(
  filters: ListFilters,
  maxPages = 20,
): Promise<{ count: number; complete: boolean }> {
  let count = 0;
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { items, nextCursor } = await api.notifications(filters, cursor, 100);
    count += items.length;
    if (nextCursor === null) return { count, complete: true };
    cursor = nextCursor;
  }
  return { count, complete: false };
}
