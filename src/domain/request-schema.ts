import { createHash } from 'node:crypto';
import * as z from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';
import { FORBIDDEN_HEADERS, HERALD_HEADER_PREFIX } from './headers.js';
import type { NotificationRequest } from './notification.js';
import { RESERVED_HEADER_PREFIX } from './signature.js';

/** Bounds of docs/api/openapi.json and §7. A whole request must fit one DynamoDB item and one SQS message. */
export const LIMITS = {
  requestBytes: 256 * 1024,
  urlLength: 2048,
  headerCount: 64,
  headerNameLength: 256,
  headerValueLength: 8192,
  idempotencyKeyLength: 256,
  orderingKeyLength: 256,
  maxAttempts: 25,
  minTimeoutMs: 10,
  maxTimeoutMs: 60_000,
  /** Levels of arrays and objects any value of a request (`body`, `metadata`, …) may nest. */
  jsonDepth: 32,
  /** Attempts kept in a notification's history, newest; older ones are dropped (manual retries can exceed it). */
  attemptHistory: 25,
} as const;

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, spaces, tabs and obs-text; in particular no CR, LF or NUL (header injection). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Herald's own headers (`X-Herald-Notification-Id` …, the signature's `webhook-*`): a receiver must be
 * able to trust them, so a caller may not send any, signed or not.
 */
const RESERVED_HEADER_PREFIXES = [HERALD_HEADER_PREFIX, RESERVED_HEADER_PREFIX];

function headerNameProblem(name: string): string | null {
  if (name.length > LIMITS.headerNameLength) return `name longer than ${LIMITS.headerNameLength} characters`;
  if (!HEADER_NAME.test(name)) return 'name must be an HTTP token';
  const lower = name.toLowerCase();
  if (FORBIDDEN_HEADERS.has(lower)) return 'hop-by-hop and framing headers are set by Herald';
  const reserved = RESERVED_HEADER_PREFIXES.find((prefix) => lower.startsWith(prefix));
  if (reserved) return `${reserved}* headers are Herald's own; a caller may not send them`;
  return null;
}

/** C0 controls, DEL and C1 controls: a URL parser strips some (tab, newline) and encodes the rest. */
const CONTROL_CHARACTER = /\p{Cc}/u;

const headerValue = z
  .string()
  .max(LIMITS.headerValueLength)
  .regex(HEADER_VALUE, 'must not contain control characters such as CR or LF');

const headers = z.record(z.string(), headerValue).superRefine((h, ctx) => {
  const names = Object.keys(h);
  if (names.length > LIMITS.headerCount)
    ctx.addIssue({ code: 'custom', message: `at most ${LIMITS.headerCount} headers` });
  const seen = new Set<string>();
  for (const name of names) {
    const problem = headerNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    if (seen.has(name.toLowerCase()))
      ctx.addIssue({ code: 'custom', path: [name], message: 'header names are case-insensitive; this one repeats' });
    seen.add(name.toLowerCase());
  }
});

const httpUrl = z
  .string()
  .max(LIMITS.urlLength)
  // Checked on the string as given, and alone: what was checked must be what is stored and shown.
  .refine((value) => !CONTROL_CHARACTER.test(value), { message: 'must not contain control characters', abort: true })
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an absolute http or https URL')
  // Credentials in a URL would be stored and shown in clear, and are not sent as Authorization.
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.username === '' && url.password === '';
    } catch {
      return true;
    }
  }, 'must not carry credentials; send them in an Authorization header, which is redacted on reads');

const idempotencyKey = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.idempotencyKeyLength, `must be at most ${LIMITS.idempotencyKeyLength} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters: no spaces, control or non-ASCII characters');

/**
 * The header form: as the field, but without commas, because a header sent twice reaches us as one
 * value joined with a comma (by node and by API Gateway alike); its two keys must not silently
 * become a third.
 */
const idempotencyKeyHeader = z
  .string()
  .min(1, 'must not be empty; leave the header out to send without a key')
  .pipe(idempotencyKey)
  .refine((key) => !key.includes(','), 'must be one key without commas; was the header sent twice?');

/**
 * Printable characters, counted as code points: no control, format, private-use or unassigned code
 * point, no lone surrogate and no line or paragraph separator — a key is shown to operators and
 * written in logs, where such characters would hide or forge what it is.
 */
const ORDERING_KEY = new RegExp(`^[^\\p{C}\\p{Zl}\\p{Zp}]{1,${LIMITS.orderingKeyLength}}$`, 'u');
const orderingKey = z.string().regex(ORDERING_KEY, `must be 1 to ${LIMITS.orderingKeyLength} printable characters`);

/** Any JSON value, checked but not rebuilt (isJsonValue, below). */
const jsonValue = z.unknown().refine(isJsonValue, 'must be a JSON value');

export interface RequestDefaults {
  maxAttempts: number;
  timeoutMs: number;
}

function requestSchema(defaults: RequestDefaults) {
  return z
    .strictObject({
      url: httpUrl,
      method: z
        .string()
        .transform((m) => m.toUpperCase())
        .pipe(z.enum(METHODS))
        .default('POST'),
      headers: headers.default({}),
      // The caller's payload, checked but kept exactly as given: z.json() would rebuild objects and
      // silently drop `__proto__` keys the vendor may expect. Metadata values likewise.
      body: jsonValue.optional(),
      idempotencyKey: idempotencyKey.optional(),
      maxAttempts: z.number().int().min(1).max(LIMITS.maxAttempts).default(defaults.maxAttempts),
      timeoutMs: z.number().int().min(LIMITS.minTimeoutMs).max(LIMITS.maxTimeoutMs).default(defaults.timeoutMs),
      metadata: z.record(z.string(), jsonValue).optional(),
      sign: z.boolean().default(false),
      orderingKey: orderingKey.optional(),
    })
    .refine((r) => r.body === undefined || r.body === null || (r.method !== 'GET' && r.method !== 'HEAD'), {
      path: ['body'],
      message: 'GET and HEAD requests carry no body',
    });
}

/**
 * zod builds a schema, and compiles its fast path on the first parse, at a cost many times that of a
 * parse: so build one per distinct defaults (in practice one per process) and reuse it. Schemas hold
 * no state between parses, and defaults are cloned on every use.
 */
const schemas = new Map<string, ReturnType<typeof requestSchema>>();

function schemaFor(defaults: RequestDefaults): ReturnType<typeof requestSchema> {
  const key = `${defaults.maxAttempts}/${defaults.timeoutMs}`;
  let schema = schemas.get(key);
  if (schema === undefined) {
    schema = requestSchema(defaults);
    schemas.set(key, schema);
  }
  return schema;
}

/** What the running Herald can do, which decides whether some requests are valid. */
export interface RequestCapabilities {
  /** A signing secret is configured, or a key made for the destination, so `sign: true` can be honoured. */
  signingConfigured: boolean;
  /** Ordered delivery is set up (always in the single process), so `orderingKey` can be honoured. */
  orderingConfigured?: boolean;
}

/**
 * Validates a `POST /v1/notifications` body. The idempotency key may come as the `Idempotency-Key`
 * header instead of the field; both at once must agree. Throws ValidationError naming every bad field.
 */
export function parseNotificationRequest(
  input: unknown,
  headerIdempotencyKey: string | undefined,
  defaults: RequestDefaults,
  capabilities: RequestCapabilities = { signingConfigured: false },
): NotificationRequest {
  const parsed = schemaFor(defaults).safeParse(input);
  const extraIssues = [
    ...reservedKeyIssues(input),
    ...signingIssues(input, capabilities),
    ...orderingIssues(input, capabilities),
  ];
  if (!parsed.success || extraIssues.length > 0) {
    throw new ValidationError([
      ...extraIssues,
      ...(parsed.error?.issues ?? []).flatMap((issue) => {
        const path = issue.path.map(String);
        // An unknown field is named as the field itself, so a typo such as `header` is easy to spot.
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'unknown field' }));
        }
        return [{ field: path.length > 0 ? path.join('.') : '(root)', message: issue.message }];
      }),
    ]);
  }
  const request = parsed.data;
  if (headerIdempotencyKey !== undefined) {
    const header = idempotencyKeyHeader.safeParse(headerIdempotencyKey);
    if (!header.success) {
      throw new ValidationError([{ field: 'Idempotency-Key', message: header.error.issues[0]?.message ?? 'invalid' }]);
    }
    if (request.idempotencyKey !== undefined && request.idempotencyKey !== headerIdempotencyKey) {
      throw new ValidationError([
        { field: 'idempotencyKey', message: 'differs from the Idempotency-Key header; send one or make them equal' },
      ]);
    }
  }
  return {
    url: request.url,
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    idempotencyKey: request.idempotencyKey ?? headerIdempotencyKey ?? null,
    maxAttempts: request.maxAttempts,
    timeoutMs: request.timeoutMs,
    metadata: (request.metadata as Record<string, unknown> | undefined) ?? null,
    sign: request.sign,
    orderingKey: request.orderingKey ?? null,
  };
}

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.keys(value).every((key) => isJsonValue((value as Record<string, unknown>)[key]));
  }
  return false;
}

/**
 * A `__proto__` key in `headers` or `metadata` is an own property of parsed JSON, but zod's records
 * drop it (prototype-pollution safety), so it would vanish silently. Refuse it by name instead.
 */
function reservedKeyIssues(input: unknown): FieldIssue[] {
  if (typeof input !== 'object' || input === null) return [];
  return (['headers', 'metadata'] as const).flatMap((field) => {
    const value = (input as Record<string, unknown>)[field];
    return typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')
      ? [{ field: `${field}.__proto__`, message: 'is a reserved name' }]
      : [];
  });
}

/**
 * `sign: true` needs a configured secret or a key made for the destination. Checked on the raw input, next to the schema, so every
 * problem is reported at once.
 */
function signingIssues(input: unknown, capabilities: RequestCapabilities): FieldIssue[] {
  if (typeof input !== 'object' || input === null || (input as Record<string, unknown>).sign !== true) return [];
  if (capabilities.signingConfigured) return [];
  return [
    {
      field: 'sign',
      message:
        'no signing secret is configured on this Herald (HERALD_SIGNING_SECRETS), nor a key made for this destination (POST /v1/destinations/{destination}/signing-secret)',
    },
  ];
}

function orderingIssues(input: unknown, capabilities: RequestCapabilities): FieldIssue[] {
  if (capabilities.orderingConfigured !== false) return [];
  if (typeof input !== 'object' || input === null || (input as Record<string, unknown>).orderingKey === undefined) {
    return [];
  }
  return [
    { field: 'orderingKey', message: 'ordered delivery is not set up on this Herald (HERALD_ORDERED_QUEUE_URL)' },
  ];
}

/** A stable fingerprint of the request content: same key + same fingerprint is a replay, else a conflict. */
export function fingerprintRequest(request: NotificationRequest): string {
  const headers = Object.entries(request.headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify([
    request.url,
    request.method,
    headers,
    canonicalJson(request.body),
    request.maxAttempts,
    request.timeoutMs,
    canonicalJson(request.metadata),
    // Only when set, so the fingerprints stored before `sign` and `orderingKey` existed still match.
    ...(request.sign ? ['sign'] : []),
    ...(request.orderingKey === null ? [] : [['orderingKey', request.orderingKey]]),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` fingerprint alike. */
function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonicalJson((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
