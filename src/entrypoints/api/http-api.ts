import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import openApiDocument from '../../../docs/api/openapi.json' with { type: 'json' };
import { acceptBatch, type BatchItemResult } from '../../app/accept-batch.js';
import { acceptNotification } from '../../app/accept-notification.js';
import { cancelNotification } from '../../app/cancel-notification.js';
import type { AppDependencies } from '../../app/dependencies.js';
import { getStats } from '../../app/get-stats.js';
import {
  destinationParameter,
  getDestination,
  listDestinations,
  pauseDestination,
  resumeDestination,
  updateDestinationLimits,
} from '../../app/manage-destinations.js';
import { getSigningKeys, rotateSigningKey } from '../../app/manage-signing-keys.js';
import { getNotification, listAttempts, listNotifications } from '../../app/query-notifications.js';
import { getRecovery, startRecovery } from '../../app/recoveries.js';
import { retryNotification } from '../../app/retry-notification.js';
import { type Caller, ownNotificationsOnly } from '../../domain/caller.js';
import { type ErrorCode, HeraldError, ValidationError } from '../../domain/errors.js';
import { jsonDepthIssue } from '../../domain/json-depth.js';
import { LIMITS } from '../../domain/request-schema.js';
import type { RequestContextAuthorizer } from '../lambda/request-context-caller.js';
import { allowedMethods } from './allowed-methods.js';
import { UNAUTHORIZED_DETAIL, WWW_AUTHENTICATE } from './api-keys.js';
import { parseDestinationLimits } from './destination-limits.js';
import { requireJsonContentType } from './json-content-type.js';
import { parseLimit, parseListQuery } from './list-query.js';
import { PROBLEM_CONTENT_TYPE, problemFor, STATUS_BY_CODE } from './problem.js';
import { queryParameters } from './query-parameters.js';
import { parseRecoveryFilter } from './recovery-input.js';
import { requestBodyText } from './request-body-text.js';
import { forbiddenDetail, requiredRole } from './route-roles.js';
import {
  attemptsView,
  destinationView,
  listedNotificationView,
  notificationView,
  recoveryView,
  signingKeysView,
} from './views.js';

/**
 * What a server adapter may hand the API with each request (hono's `c.env`). The node server reads
 * the request body itself and passes it here, because under @hono/node-server reading it through the
 * web Request builds a web stream per request, which costs more CPU than the rest of an ingest
 * request. Other adapters (the ingest Lambda) pass nothing and the body is read from the Request.
 */
export interface HttpApiBindings {
  /** The whole request body, or `tooLarge` when it exceeds LIMITS.requestBytes (then it was not read). */
  preReadBody?: Uint8Array | 'tooLarge';
  /** The caller the node server found from the request's key before reading its body; unset for none. */
  caller?: Caller;
  /** The API Gateway event, set by hono's aws-lambda adapter (see idempotencyKeyHeader, request-context-caller.ts). */
  event?: { headers?: Record<string, string | undefined>; requestContext?: RequestContextAuthorizer };
}

/** The API's hono environment: what the server adapter binds, and the caller authentication found. */
export interface HttpApiEnv {
  Bindings: HttpApiBindings;
  Variables: { caller: Caller };
}

export interface HttpApiOptions {
  /**
   * Who makes a request, or undefined for a 401: the caller of its API key (callerByApiKey), or the
   * one API Gateway's authorizer named (the ingest Lambda).
   */
  identify: (c: Context<HttpApiEnv>) => Caller | undefined;
  /** Served as `GET /metrics` when given (the node server; Lambda publishes EMF instead). */
  metrics?: MetricsExposition;
}

/** A metrics text for scrapers, e.g. the Prometheus exposition format. */
export interface MetricsExposition {
  contentType: string;
  render(): Promise<string>;
}

/** The HTTP API of docs/api/openapi.json, served alike by the node server and the ingest Lambda. */
export function createHttpApi(deps: AppDependencies, options: HttpApiOptions): Hono<HttpApiEnv> {
  const api = new Hono<HttpApiEnv>();

  api.onError((error, c) => problemResponse(c, error, deps));
  const notServed = (c: Context) => {
    const allow = allowedMethods(api.routes, c.req.path);
    if (allow.length === 0) return send(c, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`);
    c.header('Allow', allow.join(', '));
    return send(c, 'METHOD_NOT_ALLOWED', `${c.req.path} answers ${allow.join(', ')}, not ${c.req.method}`);
  };
  api.notFound(notServed);

  api.get('/healthz', queryParameters(), (c) => c.json({ status: 'ok' }));
  // The API's own description, open like /healthz: it holds nothing a caller could not read in the repository.
  api.get('/openapi.json', queryParameters(), (c) => c.json(openApiDocument));

  // Who calls, then whether their role allows the request (route-roles.ts), before anything is read.
  const authenticate: MiddlewareHandler<HttpApiEnv> = async (c, next) => {
    const caller = options.identify(c);
    if (!caller) {
      c.header('WWW-Authenticate', WWW_AUTHENTICATE);
      return send(c, 'UNAUTHORIZED', UNAUTHORIZED_DETAIL);
    }
    const allowed = requiredRole(c.req.method, c.req.path);
    if (!allowed.includes(caller.role)) return send(c, 'FORBIDDEN', forbiddenDetail(allowed, caller.role));
    c.set('caller', caller);
    await next();
  };
  api.use('/v1/*', authenticate);
  api.use('*', requireJsonContentType);
  /** The one caller whose notifications this request may see, or undefined for every caller's. */
  const ownedBy = (c: Context<HttpApiEnv>) => ownNotificationsOnly(c.get('caller'));

  api.get('/v1/caller', queryParameters(), (c) => {
    const { name, role } = c.get('caller');
    return c.json({ name, role });
  });

  const { metrics } = options;
  if (metrics) {
    // Behind the same keys as the API: counts and destination names are not for everyone.
    api.get('/metrics', authenticate, queryParameters(), async (c) =>
      c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }),
    );
  }

  // What becomes of the rest of the body and the connection is the server's business (discardBody).
  const tooLarge = (c: Context) => send(c, 'PAYLOAD_TOO_LARGE', `Requests are limited to ${LIMITS.requestBytes} bytes`);
  const limitRequestBody = bodyLimit({ maxSize: LIMITS.requestBytes, onError: tooLarge });

  const limitBody = async (c: Context, next: () => Promise<void>) => {
    const preRead = c.env?.preReadBody;
    if (preRead === undefined) return limitRequestBody(c, next);
    if (preRead === 'tooLarge' || preRead.byteLength > LIMITS.requestBytes) return tooLarge(c);
    await next();
  };

  // Content-Type is checked for every route (requireJsonContentType), encoding where the body is read.
  api.post('/v1/notifications/batch', queryParameters(), limitBody, async (c) => {
    const results = await acceptBatch(deps, parseJson(await bodyText(c)), c.get('caller').name);
    return c.json({ results: results.map(batchResultView) }, 200);
  });
  // Any other method on it is a 405, not a read of the notification "batch" by the route below.
  api.all('/v1/notifications/batch', notServed);

  api.post('/v1/notifications', queryParameters(), limitBody, async (c) => {
    const input = parseJson(await bodyText(c));
    const { outcome, notification } = await acceptNotification(
      deps,
      input,
      idempotencyKeyHeader(c),
      c.get('caller').name,
    );
    c.header('Location', `/v1/notifications/${notification.id}`);
    return c.json(notificationView(notification), outcome === 'created' ? 202 : 200);
  });

  api.get(
    '/v1/notifications',
    queryParameters('status', 'destination', 'createdAfter', 'createdBefore', 'limit', 'cursor'),
    async (c) => {
      const page = await listNotifications(deps, parseListQuery(c.req.queries()));
      return c.json({ items: page.items.map(listedNotificationView), nextCursor: page.nextCursor ?? null });
    },
  );

  api.get('/v1/notifications/:id', queryParameters(), async (c) =>
    c.json(notificationView(await getNotification(deps, c.req.param('id'), ownedBy(c)))),
  );

  api.get('/v1/notifications/:id/attempts', queryParameters(), async (c) =>
    c.json(attemptsView(await listAttempts(deps, c.req.param('id'), ownedBy(c)))),
  );

  api.post('/v1/notifications/:id/retry', queryParameters(), async (c) => {
    const notification = await retryNotification(deps, c.req.param('id'), {}, ownedBy(c));
    c.header('Location', `/v1/notifications/${notification.id}`);
    return c.json(notificationView(notification), 202);
  });

  api.post('/v1/notifications/:id/cancel', queryParameters(), async (c) =>
    c.json(notificationView(await cancelNotification(deps, c.req.param('id'), ownedBy(c)))),
  );

  api.get('/v1/stats', queryParameters(), async (c) => c.json(await getStats(deps)));

  api.post('/v1/recoveries', queryParameters(), limitBody, async (c) => {
    // No body at all asks for every FAILED notification.
    const text = await bodyText(c);
    const job = await startRecovery(deps, parseRecoveryFilter(text.trim() === '' ? {} : parseJson(text)));
    c.header('Location', `/v1/recoveries/${job.id}`);
    return c.json(recoveryView(job), 202);
  });

  api.get('/v1/recoveries/:id', queryParameters(), async (c) =>
    c.json(recoveryView(await getRecovery(deps, c.req.param('id')))),
  );

  registerDestinationRoutes(api, deps, limitBody);

  return api;
}

/** The destination routes: operators read destinations' state, pause and resume them, set their limits. */
function registerDestinationRoutes(
  api: Hono<HttpApiEnv>,
  deps: AppDependencies,
  limitBody: MiddlewareHandler<HttpApiEnv>,
): void {
  const one = (c: Context) => destinationParameter(c.req.param('destination') ?? '');

  api.get('/v1/destinations', queryParameters('limit', 'cursor'), async (c) => {
    const page = await listDestinations(deps, parseLimit(c.req.query('limit')), c.req.query('cursor') || undefined);
    return c.json({ items: page.items.map(destinationView), nextCursor: page.nextCursor ?? null });
  });

  api.get('/v1/destinations/:destination', queryParameters(), async (c) =>
    c.json(destinationView(await getDestination(deps, one(c)))),
  );

  api.patch('/v1/destinations/:destination', queryParameters(), limitBody, async (c) => {
    const destination = one(c);
    const limits = parseDestinationLimits(parseJson(await bodyText(c)));
    return c.json(destinationView(await updateDestinationLimits(deps, destination, limits)));
  });

  api.post('/v1/destinations/:destination/pause', queryParameters(), async (c) =>
    c.json(destinationView(await pauseDestination(deps, one(c)))),
  );

  api.post('/v1/destinations/:destination/resume', queryParameters(), async (c) =>
    c.json(destinationView(await resumeDestination(deps, one(c)))),
  );

  // The only reads that return a secret: a receiver's keys, for operators to hand over.
  api.get('/v1/destinations/:destination/signing-secret', queryParameters(), async (c) => {
    const destination = one(c);
    return c.json(signingKeysView(destination, await getSigningKeys(deps, destination)));
  });

  api.post('/v1/destinations/:destination/signing-secret', queryParameters(), async (c) => {
    const destination = one(c);
    return c.json({ destination, ...(await rotateSigningKey(deps, destination)) }, 201);
  });
}

/** The JSON request body as text (request-body-text.ts), from the node server's pre-read bytes or the Request. */
async function bodyText(c: Context<HttpApiEnv>): Promise<string> {
  const preRead = c.env?.preReadBody;
  const bytes = preRead instanceof Uint8Array ? preRead : new Uint8Array(await c.req.arrayBuffer());
  return requestBodyText(bytes, c.req.header('content-encoding'));
}

/**
 * The Idempotency-Key header as the caller sent it. Building its Request, hono's aws-lambda adapter
 * drops empty header values and percent-encodes non-ASCII ones, which would make an empty or
 * malformed key read as no key or as another, valid one; so where there is an API Gateway event,
 * its value is the one checked, and both modes give the same answer.
 */
function idempotencyKeyHeader(c: Context<HttpApiEnv>): string | undefined {
  const eventHeaders = c.env?.event?.headers;
  return eventHeaders ? eventHeaders['idempotency-key'] : c.req.header('idempotency-key');
}

function parseJson(text: string): unknown {
  const tooDeep = jsonDepthIssue(text, LIMITS.jsonDepth);
  if (tooDeep) throw new ValidationError([tooDeep]);
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: '(body)', message: 'is not valid JSON' }]);
  }
}

/** One item's answer, with the status the single ingest would have given it. */
function batchResultView(result: BatchItemResult) {
  if (result.outcome === 'refused') {
    const { code, message, details } = result.error;
    return { status: STATUS_BY_CODE[code], error: problemFor(code, message, details.issues) };
  }
  return { status: result.outcome === 'created' ? 202 : 200, notification: notificationView(result.notification) };
}

function send(c: Context, code: ErrorCode, detail: string, error?: HeraldError): Response {
  const problem = problemFor(code, detail, error?.details.issues);
  return c.body(JSON.stringify(problem), problem.status as 400, { 'content-type': PROBLEM_CONTENT_TYPE });
}

function problemResponse(c: Context, error: Error, deps: AppDependencies): Response {
  if (error instanceof HeraldError) {
    if (error.code === 'SYSTEM_ERROR') deps.logger.error({ err: error, cause: error.cause }, 'backend unavailable');
    return send(c, error.code, error.message, error);
  }
  // A bug of ours, not the caller's mistake: log it whole, show no internals.
  deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, 'unhandled error');
  const body = {
    type: 'about:blank',
    title: 'Internal error',
    status: 500,
    code: 'INTERNAL_ERROR',
    detail: 'Unexpected error; it has been logged',
  };
  return c.body(JSON.stringify(body), 500, { 'content-type': PROBLEM_CONTENT_TYPE });
}
