import { LIMITS } from '../../src/domain/request-schema.js';

/**
 * In-memory stand-ins for the ports, for unit tests of the use cases. They follow the ports' JSDoc
 * contracts and nothing more; the contract suites in test/contracts pin the real adapters down.
 */

import { matchesFilter } from '../../src/adapters/listing-scope.js';
import type { AppDependencies } from '../../src/app/dependencies.js';
import { DestinationCensus } from '../../src/app/destination-census.js';
import { DestinationGate, type DestinationSettings } from '../../src/app/destination-gate.js';
import { DestinationSigningKeys } from '../../src/app/destination-signing-keys.js';
import { SecretsSubkeys } from '../../src/app/secrets-subkeys.js';
import type { DestinationRecord } from '../../src/domain/destination.js';
import { InvalidCursorError } from '../../src/domain/errors.js';
import { type DeliveryAttempt, type Notification, STATUSES, type Status } from '../../src/domain/notification.js';
import type { HttpExchange } from '../../src/domain/outcome.js';
import type { RecoveryJob } from '../../src/domain/recovery.js';
import type { Random } from '../../src/domain/retry-policy.js';
import type { Clock } from '../../src/ports/clock.js';
import type { DeliveryQueue } from '../../src/ports/delivery-queue.js';
import type { DestinationSecretStore, DestinationSecrets } from '../../src/ports/destination-secret-store.js';
import type { DestinationLoad, DestinationPage, DestinationStore } from '../../src/ports/destination-store.js';
import type { HttpSender, OutgoingRequest } from '../../src/ports/http-sender.js';
import type { Logger } from '../../src/ports/logger.js';
import { noMetrics } from '../../src/ports/metrics.js';
import type {
  AttemptRecord,
  Claim,
  InsertOutcome,
  ListedNotification,
  ListPage,
  ListQuery,
  NotificationStats,
  NotificationStore,
} from '../../src/ports/notification-store.js';
import type { RecoveryStore } from '../../src/ports/recovery-store.js';
import { fixedSecretsKey } from '../../src/ports/secrets-key.js';
import { type SigningSecrets, staticSigningSecrets } from '../../src/ports/signing-secrets.js';
import { seededRandom } from './seeded-random.js';

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2025-01-01T00:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/** One scripted answer: an exchange, or a function run when the request is sent (to act mid-flight). */
export type ScriptedExchange = HttpExchange | ((request: OutgoingRequest) => HttpExchange | Promise<HttpExchange>);

/** Answers requests from a script, in order, and records every request it was asked to send. */
export class FakeHttpSender implements HttpSender {
  readonly requests: OutgoingRequest[] = [];
  private readonly script: ScriptedExchange[];

  constructor(...script: ScriptedExchange[]) {
    this.script = script;
  }

  async send(request: OutgoingRequest): Promise<HttpExchange> {
    this.requests.push(structuredClone(request));
    const next = this.script.shift();
    if (next === undefined) throw new Error(`FakeHttpSender: no answer scripted for request #${this.requests.length}`);
    return typeof next === 'function' ? next(request) : next;
  }
}

export function httpResponse(
  statusCode: number,
  overrides: Partial<Extract<HttpExchange, { kind: 'response' }>> = {},
): HttpExchange {
  return { kind: 'response', statusCode, statusText: '', retryAfter: null, body: '', responseTimeMs: 5, ...overrides };
}

export function httpFailure(
  reason: Extract<HttpExchange, { kind: 'failure' }>['reason'],
  code = reason === 'TIMEOUT' ? 'UND_ERR_HEADERS_TIMEOUT' : 'ECONNREFUSED',
): HttpExchange {
  return { kind: 'failure', reason, code, message: `${reason} (${code})`, responseTimeMs: 5 };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }
}

/**
 * The NotificationStore port's semantics over a Map. Returns copies, so a caller mutating what it got
 * back cannot change the stored record — as with any real backend.
 */
export class InMemoryNotificationStore implements NotificationStore {
  private readonly records = new Map<string, { notification: Notification; attempts: DeliveryAttempt[] }>();

  async insert(notification: Notification): Promise<InsertOutcome> {
    const existing = this.records.get(notification.id);
    if (existing) return { inserted: false, existing: structuredClone(existing.notification) };
    this.records.set(notification.id, { notification: structuredClone(notification), attempts: [] });
    return { inserted: true };
  }

  async get(id: string): Promise<Notification | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record.notification);
  }

  async listAttempts(id: string): Promise<DeliveryAttempt[] | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record.attempts);
  }

  /**
   * Newest first by (createdAt, id); the cursor is the position `<createdAt>|<id>` of the last item
   * of the previous page, as in the real stores: the next page starts below it whether or not that
   * item still matches.
   */
  async list(query: ListQuery): Promise<ListPage> {
    const key = (n: ListedNotification) => `${n.createdAt}|${n.id}`;
    if (query.cursor !== undefined && !/^\d{4}-.+\|.+$/.test(query.cursor)) throw new InvalidCursorError();
    const all = [...this.records.values()]
      .map((r) => r.notification)
      .filter((n) => matchesFilter(query, n) && (query.cursor === undefined || key(n) < query.cursor))
      .sort((a, b) => (key(a) < key(b) ? 1 : -1));
    const items = all.slice(0, query.limit).map(({ body: _body, ...listed }) => structuredClone(listed));
    const last = items.at(-1);
    return query.limit < all.length && last ? { items, nextCursor: key(last) } : { items };
  }

  async markQueued(id: string, at: string): Promise<boolean> {
    const n = this.records.get(id)?.notification;
    if (n?.status !== 'PENDING') return false;
    Object.assign(n, { status: 'QUEUED', lastUpdatedAt: at });
    return true;
  }

  async markPending(id: string, at: string): Promise<boolean> {
    const n = this.records.get(id)?.notification;
    if (n?.attempts !== 0 || (n.status !== 'PENDING' && n.status !== 'QUEUED')) return false;
    Object.assign(n, { status: 'PENDING', lastUpdatedAt: at });
    return true;
  }

  async claim(id: string, at: string, leaseExpiresAt: string): Promise<Notification | undefined> {
    const n = this.records.get(id)?.notification;
    if (!n) return undefined;
    const when = Date.parse(at);
    const claimable =
      n.status === 'PENDING' ||
      (n.status === 'QUEUED' && (n.nextAttemptAt === null || Date.parse(n.nextAttemptAt) <= when)) ||
      (n.status === 'PROCESSING' && n.leaseExpiresAt !== null && Date.parse(n.leaseExpiresAt) < when);
    if (!claimable) return undefined;
    Object.assign(n, { status: 'PROCESSING', leaseExpiresAt, lastUpdatedAt: at, claimedFrom: n.status });
    return structuredClone(n);
  }

  async recordAttempt(id: string, claim: Claim, record: AttemptRecord): Promise<boolean> {
    const stored = this.records.get(id);
    const n = stored?.notification;
    if (!stored || !isCurrentClaim(n, claim)) return false;
    const claimedAttempts = claim.attempts;
    const { attempt: _number, ...result } = record.attempt;
    Object.assign(n, {
      status: record.status,
      attempts: claimedAttempts + 1,
      deliveryResult: result,
      lastDeliveryAttempt: record.attempt.timestamp,
      lastUpdatedAt: record.at,
      nextAttemptAt: record.nextAttemptAt,
      deliveredAt: record.status === 'SUCCESS' ? record.at : n.deliveredAt,
      leaseExpiresAt: record.status === 'PROCESSING' ? n.leaseExpiresAt : null,
    });
    stored.attempts.push(structuredClone(record.attempt));
    stored.attempts.splice(0, stored.attempts.length - LIMITS.attemptHistory);
    return true;
  }

  async release(id: string, claim: Claim, at: string, nextAttemptAt: string | null): Promise<boolean> {
    const n = this.records.get(id)?.notification;
    if (!isCurrentClaim(n, claim)) return false;
    Object.assign(n, { status: 'QUEUED', leaseExpiresAt: null, lastUpdatedAt: at, nextAttemptAt });
    return true;
  }

  async reopen(id: string, at: string): Promise<Notification | undefined> {
    const n = this.records.get(id)?.notification;
    if (n?.status !== 'FAILED') return undefined;
    Object.assign(n, {
      status: 'PENDING',
      attemptBudgetStart: n.attempts,
      nextAttemptAt: null,
      leaseExpiresAt: null,
      lastUpdatedAt: at,
    });
    return structuredClone(n);
  }

  async cancel(id: string, at: string): Promise<Notification | undefined> {
    const n = this.records.get(id)?.notification;
    if (n?.status !== 'PENDING' && n?.status !== 'QUEUED') return undefined;
    Object.assign(n, { status: 'CANCELLED', nextAttemptAt: null, leaseExpiresAt: null, lastUpdatedAt: at });
    return structuredClone(n);
  }

  async stats(at: string): Promise<NotificationStats> {
    const notifications = [...this.records.values()].map((r) => r.notification);
    const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
    for (const n of notifications) byStatus[n.status]++;
    const due = notifications
      .filter((n) => n.status === 'PENDING' || n.status === 'QUEUED')
      .map((n) => n.nextAttemptAt ?? n.lastUpdatedAt)
      .filter((when) => when <= at)
      .sort();
    return { byStatus, oldestDueAt: due[0] ?? null, exact: true };
  }

  async listStalePending(olderThan: string, limit: number): Promise<string[]> {
    return [...this.records.values()]
      .map((r) => r.notification)
      .filter((n) => n.status === 'PENDING' && Date.parse(n.lastUpdatedAt) < Date.parse(olderThan))
      .sort((a, b) => a.lastUpdatedAt.localeCompare(b.lastUpdatedAt))
      .slice(0, limit)
      .map((n) => n.id);
  }
}

function isCurrentClaim(n: Notification | undefined, claim: Claim): n is Notification {
  return n?.status === 'PROCESSING' && n.attempts === claim.attempts && n.leaseExpiresAt === claim.leaseExpiresAt;
}

/** The DestinationStore port's semantics over a Map (versioned, conditional puts). */
export class InMemoryDestinationStore implements DestinationStore {
  readonly records = new Map<string, DestinationRecord>();
  /** Successful puts, for tests that count writes. */
  writes = 0;

  async get(destination: string): Promise<DestinationRecord | undefined> {
    const record = this.records.get(destination);
    return record && structuredClone(record);
  }

  async list(limit: number, cursor?: string): Promise<DestinationPage> {
    const all = [...this.records.values()].sort((a, b) => a.destination.localeCompare(b.destination));
    const start = cursor === undefined ? 0 : all.findIndex((r) => r.destination === cursor) + 1;
    if (start === 0 && cursor !== undefined) throw new InvalidCursorError();
    const items = all.slice(start, start + limit).map((r) => structuredClone(r));
    const last = items.at(-1);
    return start + limit < all.length && last ? { items, nextCursor: last.destination } : { items };
  }

  async put(record: DestinationRecord, expectedVersion: number): Promise<DestinationRecord | undefined> {
    if ((this.records.get(record.destination)?.version ?? 0) !== expectedVersion) return undefined;
    const stored = { ...structuredClone(record), version: expectedVersion + 1 };
    this.records.set(record.destination, stored);
    this.writes++;
    return structuredClone(stored);
  }

  async load(): Promise<DestinationLoad> {
    return { waiting: null, inFlight: null };
  }
}

/** RecoveryStore in memory, with the port's conditional updates. */
export class InMemoryRecoveryStore implements RecoveryStore {
  readonly jobs = new Map<string, RecoveryJob>();

  async create(job: RecoveryJob): Promise<void> {
    if (this.jobs.has(job.id)) throw new Error(`recovery ${job.id} exists`);
    this.jobs.set(job.id, structuredClone(job));
  }

  async get(id: string): Promise<RecoveryJob | undefined> {
    const job = this.jobs.get(id);
    return job && structuredClone(job);
  }

  async update(job: RecoveryJob, expectedVersion: number): Promise<RecoveryJob | undefined> {
    if (this.jobs.get(job.id)?.version !== expectedVersion) return undefined;
    const stored = { ...structuredClone(job), version: expectedVersion + 1 };
    this.jobs.set(job.id, stored);
    return structuredClone(stored);
  }

  async listRunning(limit: number): Promise<RecoveryJob[]> {
    return [...this.jobs.values()]
      .filter((job) => job.state === 'RUNNING')
      .slice(0, limit)
      .map((job) => structuredClone(job));
  }
}

/** DestinationSecretStore in memory, with the port's conditional writes. */
export class InMemoryDestinationSecretStore implements DestinationSecretStore {
  readonly records = new Map<string, DestinationSecrets>();

  async get(destination: string): Promise<DestinationSecrets | undefined> {
    const record = this.records.get(destination);
    return record && structuredClone(record);
  }

  async put(secrets: DestinationSecrets, expectedVersion: number): Promise<DestinationSecrets | undefined> {
    if ((this.records.get(secrets.destination)?.version ?? 0) !== expectedVersion) return undefined;
    const stored = { ...structuredClone(secrets), version: expectedVersion + 1 };
    this.records.set(secrets.destination, stored);
    return structuredClone(stored);
  }
}

/** For use cases that must not touch the queue: any call is a test failure. */
export const unusedQueue: DeliveryQueue = {
  send: () => Promise.reject(new Error('unexpected DeliveryQueue.send')),
};

export interface FakeDependencies extends AppDependencies {
  store: InMemoryNotificationStore;
  sender: FakeHttpSender;
  clock: FakeClock;
  logger: RecordingLogger;
  destinationStore: InMemoryDestinationStore;
  recoveries: InMemoryRecoveryStore;
}

/** The destination settings of the fakes: 4 in flight per destination, the breaker opening at 3. */
export const FAKE_DESTINATION_SETTINGS: DestinationSettings = {
  concurrency: 4,
  breaker: { failureThreshold: 3, cooldownMs: 10_000, maxCooldownMs: 80_000 },
  retryMaxDelayMs: 3_600_000,
  cacheMs: Number.POSITIVE_INFINITY,
  probeLeaseMs: 30_000,
};

/** AppDependencies wired to the fakes; pass the parts a test scripts or inspects. */
export function fakeDependencies(
  parts: {
    sender?: FakeHttpSender;
    clock?: FakeClock;
    random?: Random;
    destinationSettings?: Partial<DestinationSettings>;
    signingSecrets?: SigningSecrets;
  } = {},
): FakeDependencies {
  const clock = parts.clock ?? new FakeClock();
  const logger = new RecordingLogger();
  const destinationStore = new InMemoryDestinationStore();
  const settings = { ...FAKE_DESTINATION_SETTINGS, ...parts.destinationSettings };
  const signingSecrets = parts.signingSecrets ?? staticSigningSecrets([]);
  const secretsSubkeys = new SecretsSubkeys(fixedSecretsKey(new Uint8Array(32).fill(3)));
  return {
    store: new InMemoryNotificationStore(),
    queue: unusedQueue,
    destinations: new DestinationGate(destinationStore, settings, clock, logger),
    destinationStore,
    destinationCensus: new DestinationCensus((limit, cursor) => destinationStore.list(limit, cursor), clock),
    recoveries: new InMemoryRecoveryStore(),
    sender: parts.sender ?? new FakeHttpSender(),
    clock,
    random: parts.random ?? seededRandom(42),
    logger,
    metrics: noMetrics,
    signingSecrets,
    signingKeys: new DestinationSigningKeys({
      store: new InMemoryDestinationSecretStore(),
      configured: signingSecrets,
      subkeys: secretsSubkeys,
      clock,
      rotationMs: 24 * 3_600_000,
      cacheMs: 0,
    }),
    secretsSubkeys,
    defaults: { maxAttempts: 8, timeoutMs: 10_000 },
    retryPolicy: { baseDelayMs: 1000, maxDelayMs: 3_600_000 },
    leaseMs: 30_000,
  };
}
