import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../infra/lib/api.js';
import type { AppDependencies } from '../../src/app/dependencies.js';
import { STATUSES } from '../../src/domain/notification.js';
import { LIMITS, METHODS } from '../../src/domain/request-schema.js';
import { createHttpApi, type MetricsExposition } from '../../src/entrypoints/api/http-api.js';
import { STATUS_BY_CODE } from '../../src/entrypoints/api/problem.js';
import { type ApiResponse, HeraldClient } from '../helpers/herald-client.js';
import { type RunningService, startSingleProcess } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Keeps docs/api/openapi.json honest: every documented operation is called for real, each answer's
 * status must be documented for its operation and its body must match the documented schema; the
 * documented operations must be exactly the routes served; the Problem codes must be every code the
 * server can produce.
 */

// biome-ignore lint/suspicious/noExplicitAny: a JSON document walked by key
type Json = any;

const doc: Json = JSON.parse(readFileSync(new URL('../../docs/api/openapi.json', import.meta.url), 'utf8'));

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const API_KEY = 'openapi-test-key';
/** Keys of the narrower roles, for the 403 answers. */
const SEND_KEY = 'openapi-send-key';
const READ_KEY = 'openapi-read-key';

/** Follows a local `$ref` ("#/components/…"), as often as it takes. */
function deref(node: Json): Json {
  let current = node;
  while (current && typeof current.$ref === 'string') {
    const ref: string = current.$ref;
    if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .reduce((at: Json, part) => at?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    if (current === undefined) throw new Error(`dangling reference ${ref}`);
  }
  return current;
}

const operations: { method: string; path: string; op: Json }[] = Object.entries(doc.paths as Json).flatMap(
  ([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
);

function operation(method: string, path: string): Json {
  const found = operations.find((o) => o.method === method && o.path === path);
  if (!found) throw new Error(`${method} ${path} is not in the document`);
  return found.op;
}

// --- A checker for the subset of JSON Schema the document's responses use ---

/** Keywords the checker enforces; any other keyword but an annotation is an error, never a silent pass. */
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'anyOf',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minimum',
  'maximum',
]);
const ANNOTATIONS = new Set(['description', 'format', 'default', 'examples', 'title']);

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
    case 'boolean':
      return typeof value === type;
    default:
      throw new Error(`unknown type ${type}`);
  }
}

/** The ways `value` breaks `schema`, each with its JSON path; empty when it conforms. */
function violations(schema: Json, value: unknown, at = '$'): string[] {
  for (const keyword of Object.keys(schema)) {
    if (!ASSERTIONS.has(keyword) && !ANNOTATIONS.has(keyword)) {
      throw new Error(`the checker does not implement "${keyword}" (at ${at}); extend it or simplify the schema`);
    }
  }
  const found: string[] = [];
  if (schema.$ref !== undefined) found.push(...violations(deref(schema), value, at));
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => typeMatches(type, value))) {
      return [...found, `${at}: ${JSON.stringify(value)?.slice(0, 80)} is not of type ${types.join(' | ')}`];
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    found.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  }
  if (schema.anyOf !== undefined) {
    const branches = (schema.anyOf as Json[]).map((branch) => violations(branch, value, at));
    if (branches.every((problems) => problems.length > 0))
      found.push(`${at}: matches no anyOf branch`, ...branches.flat());
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) found.push(`${at}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) found.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (typeMatches('object', value)) {
    const object = value as Record<string, unknown>;
    const properties: Record<string, Json> = schema.properties ?? {};
    for (const name of schema.required ?? []) {
      if (!(name in object)) found.push(`${at}: missing required property "${name}"`);
    }
    for (const [name, item] of Object.entries(object)) {
      const property = properties[name];
      if (property !== undefined) found.push(...violations(property, item, `${at}.${name}`));
      else if (schema.additionalProperties === false) found.push(`${at}: undocumented property "${name}"`);
      else if (typeof schema.additionalProperties === 'object') {
        found.push(...violations(schema.additionalProperties, item, `${at}.${name}`));
      }
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) => {
      found.push(...violations(schema.items, item, `${at}[${index}]`));
    });
  }
  return found;
}

describe('the checker', () => {
  const nullableRef = { anyOf: [{ $ref: '#/components/schemas/ErrorDetails' }, { type: 'null' }] };
  it('accepts what conforms and names what does not', () => {
    expect(violations({ type: ['string', 'null'] }, null)).toEqual([]);
    expect(violations({ type: ['string', 'null'] }, 1)).toHaveLength(1);
    expect(violations({ type: 'integer', minimum: 1 }, 0)).toHaveLength(1);
    expect(violations(nullableRef, null)).toEqual([]);
    expect(violations(nullableRef, { code: 'x', message: 'y', category: 'TIMEOUT', responseBody: null })).toEqual([]);
    expect(violations(nullableRef, { code: 'x', message: 'y', category: 'NOPE', responseBody: null })).not.toEqual([]);
    expect(violations(nullableRef, { code: 'x', message: 'y', category: 'TIMEOUT' })).not.toEqual([]);
    expect(
      violations(nullableRef, { code: 'x', message: 'y', category: 'TIMEOUT', responseBody: null, extra: 1 }),
    ).not.toEqual([]);
    expect(violations({ type: 'array', items: { type: 'string' } }, ['a', 2])).toEqual([
      '$[1]: 2 is not of type string',
    ]);
    expect(() => violations({ type: 'string', pattern: '^a' }, 'a')).toThrow(/does not implement "pattern"/);
  });
});

describe('docs/api/openapi.json against the single-process service', () => {
  let service: RunningService;
  let vendor: Vendor;
  let herald: HeraldClient;
  let anonymous: HeraldClient;
  /** "METHOD path status" of every answer checked against the document. */
  const exercised = new Set<string>();

  beforeAll(async () => {
    vendor = await startVendor();
    service = await startSingleProcess({
      HERALD_API_KEYS: `${API_KEY},sender:send:${SEND_KEY},reader:read:${READ_KEY}`,
    });
    herald = new HeraldClient(service.baseUrl, API_KEY);
    anonymous = new HeraldClient(service.baseUrl);
  });
  afterAll(async () => {
    await service?.stop();
    await vendor?.close();
  });

  /** Checks one real answer against the document: status, media type, body schema, headers. */
  function expectDocumented(method: string, path: string, res: ApiResponse): void {
    const where = `${method} ${path} → ${res.status}`;
    const documented = operation(method, path).responses[String(res.status)];
    expect(documented, `${where} is not documented: ${JSON.stringify(res.body)}`).toBeDefined();
    const response = deref(documented);
    const mediaType = String(res.headers['content-type']).split(';')[0]?.trim() ?? '';
    const media = response.content?.[mediaType];
    expect(media, `${where}: ${mediaType} is not documented`).toBeDefined();
    expect(violations(media.schema, res.body), where).toEqual([]);
    for (const name of Object.keys(response.headers ?? {})) {
      expect(res.headers[name.toLowerCase()], `${where}: header ${name}`).toBeDefined();
    }
    exercised.add(`${method} ${path} ${res.status}`);
  }

  async function call(
    client: HeraldClient,
    method: string,
    template: string,
    options: { id?: string; query?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const { id = '', query, ...rest } = options;
    const path = template.replace('{id}', encodeURIComponent(id)) + (query ? `?${query}` : '');
    const res = await client.call(method, path, rest);
    expectDocumented(method, template, res);
    return res;
  }

  const delivered = { id: '' };
  /** A bulk recovery job, for the probe of GET /v1/recoveries/{id}. */
  const recovery = { id: '' };
  /** FAILED on a vendor 400, then manually retried. */
  const failed = { id: '' };
  /** FAILED without a response: a refused connection, so statusCode and responseBody are null. */
  const refused = { id: '' };

  it('documents exactly the routes the API serves, in both modes', () => {
    const key = ({ method, path }: { method: string; path: string }) => `${method} ${path}`;
    const documented = operations.map(key).sort();
    // Marked in the document: served by the node server only (GET /metrics), never by API Gateway.
    const everywhere = operations
      .filter(({ op }) => op['x-herald-single-process-only'] !== true)
      .map(key)
      .sort();
    // The routes as hono registered them (building the API touches none of its dependencies).
    const servedWith = (metrics?: MetricsExposition) =>
      createHttpApi({} as AppDependencies, { identify: () => undefined, ...(metrics ? { metrics } : {}) })
        .routes.filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    const metrics = { contentType: 'text/plain', render: async () => '' };
    expect([...new Set(servedWith(metrics))].sort()).toEqual(documented);
    expect([...new Set(servedWith())].sort()).toEqual(everywhere);
    expect(ROUTES.map((route) => `${route.method} ${route.path}`).sort()).toEqual(everywhere);
  });

  it('POST /v1/notifications: 202 with Location, then 200 for a replay, delivered with Herald headers', async () => {
    const request = {
      url: `${vendor.url}/ok`,
      method: 'put',
      headers: { Authorization: 'Bearer vendor-secret', 'X-Shop': 'eu-1' },
      body: { orderId: 1234 },
      maxAttempts: 2,
      timeoutMs: 5000,
      metadata: { team: 'fulfilment' },
    };
    const created = await call(herald, 'POST', '/v1/notifications', {
      json: request,
      headers: { 'Idempotency-Key': 'openapi-1' },
    });
    expect(created.status).toBe(202);
    expect(created.headers.location).toBe(`/v1/notifications/${created.body.id}`);
    expect(created.body).toMatchObject({ method: 'PUT', idempotencyKey: 'openapi-1', deliveryResult: null });
    expect(created.body.headers).toEqual({ Authorization: '[REDACTED]', 'X-Shop': 'eu-1' });
    delivered.id = created.body.id;

    const replay = await call(herald, 'POST', '/v1/notifications', {
      json: { ...request, idempotencyKey: 'openapi-1' },
    });
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(delivered.id);

    const done = await herald.waitForStatus(delivered.id, ['SUCCESS', 'FAILED']);
    expect(done.status).toBe('SUCCESS');
    const [sent] = vendor.requestsFor(delivered.id);
    expect(sent?.headers['x-herald-attempt']).toBe('1');
    expect(sent?.headers['x-herald-correlation-id']).toBe(done.deliveryResult.correlationId);
  });

  it('POST /v1/notifications: 400, 401, 409, 413 and 415 problems', async () => {
    const valid = { url: `${vendor.url}/ok` };
    const cases: [HeraldClient, { json?: unknown; body?: string; headers?: Record<string, string> }, number, string][] =
      [
        [herald, { json: { url: 'not a url', maxAttempts: 0 } }, 400, 'VALIDATION_ERROR'],
        [herald, { body: '{"url": ', headers: { 'content-type': 'application/json' } }, 400, 'VALIDATION_ERROR'],
        [anonymous, { json: valid }, 401, 'UNAUTHORIZED'],
        [herald, { json: { ...valid, idempotencyKey: 'openapi-1' } }, 409, 'IDEMPOTENCY_CONFLICT'],
        [herald, { json: { ...valid, body: 'x'.repeat(LIMITS.requestBytes) } }, 413, 'PAYLOAD_TOO_LARGE'],
        [herald, { body: 'url=x', headers: { 'content-type': 'text/plain' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ];
    for (const [client, options, status, code] of cases) {
      const res = await call(client, 'POST', '/v1/notifications', options);
      expect([res.status, res.body.code]).toEqual([status, code]);
    }
  });

  it('POST /v1/notifications/batch: 200 with a result per item in order; 400, 401, 413, 415 for the whole', async () => {
    const ok = { url: `${vendor.url}/ok` };
    const res = await call(herald, 'POST', '/v1/notifications/batch', {
      json: {
        notifications: [
          ok,
          { url: 'not a url' },
          { ...ok, idempotencyKey: 'openapi-1' },
          { ...ok, method: 'PUT', idempotencyKey: 'openapi-1' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([202, 400, 409, 409]);
    expect(res.body.results[1].error).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'url' }] });
    expect(res.body.results[2].error.code).toBe('IDEMPOTENCY_CONFLICT');
    const replay = await call(herald, 'POST', '/v1/notifications/batch', {
      json: {
        notifications: [
          {
            ...ok,
            method: 'put',
            headers: { 'X-Shop': 'eu-1', Authorization: 'Bearer vendor-secret' },
            body: { orderId: 1234 },
            maxAttempts: 2,
            timeoutMs: 5000,
            metadata: { team: 'fulfilment' },
            idempotencyKey: 'openapi-1',
          },
        ],
      },
    });
    expect(replay.body.results).toEqual([{ status: 200, notification: expect.objectContaining({ id: delivered.id }) }]);

    const tooMany = { notifications: Array.from({ length: 101 }, () => ok) };
    const cases: [HeraldClient, { json?: unknown; body?: string; headers?: Record<string, string> }, number][] = [
      [herald, { json: tooMany }, 400],
      [herald, { json: { notifications: [ok], extra: 1 } }, 400],
      [anonymous, { json: { notifications: [ok] } }, 401],
      [herald, { json: { notifications: [{ ...ok, body: 'x'.repeat(LIMITS.requestBytes) }] } }, 413],
      [herald, { body: 'notifications=x', headers: { 'content-type': 'text/plain' } }, 415],
    ];
    for (const [client, options, status] of cases) {
      expect((await call(client, 'POST', '/v1/notifications/batch', options)).status).toBe(status);
    }
  });

  it('GET /v1/notifications/{id}: 200 for FAILED ones too, 404, 401', async () => {
    failed.id = (await herald.send({ url: `${vendor.url}/status/400`, maxAttempts: 1 })).body.id;
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    refused.id = (await herald.send({ url: 'http://127.0.0.1:1/hook', maxAttempts: 1 })).body.id;
    await herald.waitForStatus(failed.id, ['FAILED']);
    await herald.waitForStatus(refused.id, ['FAILED']);
    for (const id of [delivered.id, failed.id, refused.id]) {
      expect((await call(herald, 'GET', '/v1/notifications/{id}', { id })).status).toBe(200);
    }
    const failedRecord = (await herald.get(failed.id)).body;
    expect(failedRecord.deliveryResult.errorDetails).toMatchObject({ code: 'HTTP_400', category: 'CLIENT_ERROR' });
    const refusedRecord = (await herald.get(refused.id)).body;
    expect(refusedRecord.deliveryResult).toMatchObject({ category: 'NETWORK_ERROR', statusCode: null });
    expect((await call(herald, 'GET', '/v1/notifications/{id}', { id: 'no-such-id' })).status).toBe(404);
    expect((await call(anonymous, 'GET', '/v1/notifications/{id}', { id: delivered.id })).status).toBe(401);
  });

  it('GET /v1/notifications/{id}/attempts: 200 oldest first, 404, 401', async () => {
    for (const id of [delivered.id, failed.id, refused.id]) {
      const res = await call(herald, 'GET', '/v1/notifications/{id}/attempts', { id });
      expect(res.status).toBe(200);
      expect(res.body.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1]);
    }
    expect((await call(herald, 'GET', '/v1/notifications/{id}/attempts', { id: 'no-such-id' })).status).toBe(404);
    expect((await call(anonymous, 'GET', '/v1/notifications/{id}/attempts', { id: failed.id })).status).toBe(401);
  });

  it('POST /v1/notifications/{id}/retry: 202 from FAILED, 409 INVALID_STATE otherwise, 404, 401', async () => {
    const retried = await call(herald, 'POST', '/v1/notifications/{id}/retry', { id: failed.id });
    expect(retried.status).toBe(202);
    expect(retried.headers.location).toBe(`/v1/notifications/${failed.id}`);
    const invalid = await call(herald, 'POST', '/v1/notifications/{id}/retry', { id: delivered.id });
    expect([invalid.status, invalid.body.code]).toEqual([409, 'INVALID_STATE']);
    expect((await call(herald, 'POST', '/v1/notifications/{id}/retry', { id: 'no-such-id' })).status).toBe(404);
    expect((await call(anonymous, 'POST', '/v1/notifications/{id}/retry', { id: failed.id })).status).toBe(401);
    await herald.waitForStatus(failed.id, ['FAILED']);
  });

  it('POST /v1/notifications/{id}/cancel: 200 from PENDING or QUEUED, 409 INVALID_STATE otherwise, 404, 401', async () => {
    // Held by a paused destination, a notification stays QUEUED without an attempt.
    const held = await startVendor();
    try {
      const first = (await herald.send({ url: `${held.url}/ok` })).body.id;
      await herald.waitForStatus(first, ['SUCCESS']);
      const destination = `/v1/destinations/${encodeURIComponent(held.url)}`;
      expect((await herald.call('POST', `${destination}/pause`)).status).toBe(200);
      const waiting = (await herald.send({ url: `${held.url}/ok` })).body.id;

      const cancelled = await call(herald, 'POST', '/v1/notifications/{id}/cancel', { id: waiting });
      expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
      const again = await call(herald, 'POST', '/v1/notifications/{id}/cancel', { id: waiting });
      expect([again.status, again.body.code]).toEqual([409, 'INVALID_STATE']);
      expect((await call(herald, 'POST', '/v1/notifications/{id}/cancel', { id: 'no-such-id' })).status).toBe(404);
      expect((await call(anonymous, 'POST', '/v1/notifications/{id}/cancel', { id: first })).status).toBe(401);
      expect((await herald.call('POST', `${destination}/resume`)).status).toBe(200);
      expect((await herald.get(waiting)).body.status).toBe('CANCELLED');
    } finally {
      await held.close();
    }
  });

  it('GET /v1/notifications: the documented limit bounds and default, nextCursor null on the last page, 400, 401', async () => {
    const limit = deref(operation('GET', '/v1/notifications').parameters.find((p: Json) => p.name === 'limit')).schema;
    // With these, more notifications exist than the default page size, so the default shows.
    for (let i = 0; i < limit.default; i++) {
      expect((await herald.send({ url: `${vendor.url}/ok` })).status).toBe(202);
    }
    const firstPage = await call(herald, 'GET', '/v1/notifications');
    expect(firstPage.status).toBe(200);
    expect(firstPage.body.items).toHaveLength(limit.default);
    expect(firstPage.body.nextCursor).toEqual(expect.any(String));

    const all = await call(herald, 'GET', '/v1/notifications', { query: `limit=${limit.maximum}` });
    expect(all.body.items.length).toBeGreaterThan(limit.default);
    expect(all.body.items.length).toBeLessThan(limit.maximum);
    expect(all.body.nextCursor).toBeNull();

    // The two FAILED ones, a page of the minimum size at a time.
    const first = await call(herald, 'GET', '/v1/notifications', { query: `limit=${limit.minimum}&status=FAILED` });
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const last = await call(herald, 'GET', '/v1/notifications', {
      query: `limit=${limit.minimum}&status=FAILED&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    });
    expect(last.body.items).toHaveLength(1);
    expect(last.body.nextCursor).toBeNull();
    expect([first.body.items[0].id, last.body.items[0].id].sort()).toEqual([failed.id, refused.id].sort());

    const capped = await call(herald, 'GET', '/v1/notifications', { query: `limit=${limit.maximum * 10}` });
    expect(capped.status).toBe(200);
    expect(capped.body.items.length).toBe(all.body.items.length);

    // Every filter at once: the two FAILED ones to the vendor, in a range around now.
    const range = `createdAfter=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&createdBefore=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`;
    const filtered = await call(herald, 'GET', '/v1/notifications', {
      query: `status=FAILED,CANCELLED&destination=${encodeURIComponent(vendor.url)}&${range}`,
    });
    expect(filtered.status).toBe(200);
    expect(filtered.body.items.map((n: { id: string }) => n.id)).toEqual([failed.id]);

    const badQueries: [string, string[]][] = [
      [`limit=${limit.minimum - 1}`, ['limit']],
      ['limit=abc', ['limit']],
      ['status=DONE', ['status']],
      ['status=FAILED,DONE', ['status']],
      ['cursor=nope', ['cursor']],
      ['stauts=FAILED&page=2', ['stauts', 'page']],
      ['destination=not%20an%20origin', ['destination']],
      ['createdAfter=yesterday&createdBefore=2030-01-01', ['createdAfter', 'createdBefore']],
      ['createdAfter=2030-01-02T00:00:00Z&createdBefore=2030-01-01T00:00:00Z', ['createdBefore']],
      ['status=FAILED&status=QUEUED', ['status']],
      // A cursor of the FAILED listing is refused by any other filter set.
      [`status=FAILED,QUEUED&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, ['cursor']],
    ];
    for (const [query, fields] of badQueries) {
      const res = await call(herald, 'GET', '/v1/notifications', { query });
      expect([res.status, res.body.code], query).toEqual([400, 'VALIDATION_ERROR']);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort(), query).toEqual([...fields].sort());
    }
    expect((await call(anonymous, 'GET', '/v1/notifications')).status).toBe(401);
  });

  it('the destination routes: 200 for a destination seen, 400 for a bad one or bad input, 404 for one never seen (a pause or limits create it), 401', async () => {
    const seen = encodeURIComponent(vendor.url);
    const bad = encodeURIComponent('not an origin');
    const one = (template: string, destination: string) => template.replace('{destination}', destination);
    const answer = async (
      client: HeraldClient,
      method: string,
      template: string,
      destination: string,
      json?: unknown,
    ) => {
      const res = await client.call(method, one(template, destination), json === undefined ? {} : { json });
      expectDocumented(method, template, res);
      return res.status;
    };
    const listed = await herald.call('GET', '/v1/destinations?limit=1');
    expectDocumented('GET', '/v1/destinations', listed);
    expect(listed.status).toBe(200);
    const badCursor = await herald.call('GET', '/v1/destinations?cursor=nope');
    expectDocumented('GET', '/v1/destinations', badCursor);
    expect(badCursor.status).toBe(400);
    const anonymousList = await anonymous.call('GET', '/v1/destinations');
    expectDocumented('GET', '/v1/destinations', anonymousList);
    expect(anonymousList.status).toBe(401);

    // A pause or limits set on a destination never seen create it (ahead of a maintenance window).
    const routes: [string, string, unknown, number][] = [
      ['GET', '/v1/destinations/{destination}', undefined, 404],
      ['PATCH', '/v1/destinations/{destination}', { maxConcurrency: 8 }, 200],
      ['POST', '/v1/destinations/{destination}/pause', undefined, 200],
      ['POST', '/v1/destinations/{destination}/resume', undefined, 404],
    ];
    for (const [index, [method, template, json, neverSeen]] of routes.entries()) {
      const never = encodeURIComponent(`https://never-seen-${index}.example`);
      expect(await answer(herald, method, template, seen, json), `${method} ${template}`).toBe(200);
      expect(await answer(herald, method, template, bad, json), `${method} ${template}`).toBe(400);
      expect(await answer(herald, method, template, never, json), `${method} ${template}`).toBe(neverSeen);
      expect(await answer(anonymous, method, template, seen, json), `${method} ${template}`).toBe(401);
    }
    expect(await answer(herald, 'PATCH', '/v1/destinations/{destination}', seen, { maxConcurrency: 0 })).toBe(400);
    const cleared = await herald.call('PATCH', one('/v1/destinations/{destination}', seen), {
      json: { maxConcurrency: null },
    });
    expect(cleared.body).toMatchObject({ maxConcurrencyOverride: null, state: 'CLOSED' });
  });

  it('the signing-secret routes: 200 and 201 for any destination, seen or not; 400 for a bad one, 401', async () => {
    const template = '/v1/destinations/{destination}/signing-secret';
    const call = async (client: HeraldClient, method: string, destination: string) => {
      const res = await client.call(method, template.replace('{destination}', encodeURIComponent(destination)));
      expectDocumented(method, template, res);
      return res;
    };
    const never = 'https://never-seen.example';
    expect((await call(herald, 'GET', never)).body.secrets.map((s: { source: string }) => s.source)).toEqual([
      'derived',
      'derived',
    ]);
    const made = await call(herald, 'POST', never);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ destination: never, secret: expect.stringMatching(/^whsec_/) });
    expect((await call(herald, 'GET', never)).body.secrets[0]).toEqual({
      secret: made.body.secret,
      source: 'destination',
      createdAt: made.body.createdAt,
    });
    for (const method of ['GET', 'POST']) {
      expect((await call(herald, method, 'not an origin')).status).toBe(400);
      expect((await call(anonymous, method, never)).status).toBe(401);
    }
  });

  it('GET /v1/stats: 200 with exact counts in the single process, 401', async () => {
    const stats = await call(herald, 'GET', '/v1/stats');
    expect(stats.status).toBe(200);
    expect(stats.body.exact).toBe(true);
    const listed = await herald.call('GET', '/v1/notifications?status=FAILED&limit=100');
    expect(stats.body.byStatus.FAILED).toBe(listed.body.items.length);
    expect(stats.body.destinations.CLOSED).toBeGreaterThan(0);
    expect((await call(anonymous, 'GET', '/v1/stats')).status).toBe(401);
  });

  it('GET /metrics: 200 in the Prometheus text format, counting what happened; 401 without the key', async () => {
    const res = await call(herald, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = String(res.body);
    const accepted = Number(/^herald_notifications_accepted_total (\d+)$/m.exec(text)?.[1]);
    expect(accepted).toBeGreaterThan(50);
    expect(text).toMatch(/^herald_notifications\{status="FAILED"\} [1-9]/m);
    expect(text).toMatch(/^herald_delivery_attempts_total\{category="CLIENT_ERROR"\} [1-9]/m);
    expect(text).toMatch(/^herald_attempt_duration_seconds_count [1-9]/m);
    expect((await call(anonymous, 'GET', '/metrics')).status).toBe(401);
  });

  it('POST /v1/recoveries: 202 with Location, 400, 401, 413; GET /v1/recoveries/{id}: 200 until DONE, 404, 401', async () => {
    const started = await call(herald, 'POST', '/v1/recoveries', {
      json: { status: 'FAILED', destination: 'http://127.0.0.1:1', createdAfter: '2020-01-01T00:00:00Z' },
    });
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe(`/v1/recoveries/${started.body.id}`);
    expect(started.body).toMatchObject({ state: 'RUNNING', matched: 0, finishedAt: null });
    recovery.id = started.body.id;
    const done = await waitFor(
      async () => {
        const res = await call(herald, 'GET', '/v1/recoveries/{id}', { id: recovery.id });
        return res.body.state === 'RUNNING' ? undefined : res.body;
      },
      { what: 'the recovery to finish' },
    );
    // The refused one (port 1) is the only FAILED notification to that destination.
    expect(done).toMatchObject({ state: 'DONE', matched: 1, retried: 1, skipped: 0 });
    await herald.waitForStatus(refused.id, ['FAILED']);
    expect((await herald.get(refused.id)).body.attempts).toBe(2);

    const everything = await call(herald, 'POST', '/v1/recoveries');
    expect([everything.status, everything.body.filter]).toEqual([202, { status: 'FAILED' }]);
    for (const json of [{ status: 'SUCCESS' }, { destination: 'not an origin' }, { since: 'yesterday' }]) {
      const res = await call(herald, 'POST', '/v1/recoveries', { json });
      expect([res.status, res.body.code], JSON.stringify(json)).toEqual([400, 'VALIDATION_ERROR']);
    }
    const tooLarge = await call(herald, 'POST', '/v1/recoveries', {
      json: { destination: 'x'.repeat(LIMITS.requestBytes) },
    });
    expect(tooLarge.status).toBe(413);
    expect((await call(anonymous, 'POST', '/v1/recoveries', { json: {} })).status).toBe(401);
    expect((await call(herald, 'GET', '/v1/recoveries/{id}', { id: 'no-such-job' })).status).toBe(404);
    expect((await call(anonymous, 'GET', '/v1/recoveries/{id}', { id: recovery.id })).status).toBe(401);
  });

  it('GET /openapi.json: 200 without a key, and it is this document', async () => {
    const res = await call(anonymous, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(doc);
  });

  it('GET /healthz: 200 without a key', async () => {
    expect((await call(anonymous, 'GET', '/healthz')).status).toBe(200);
  });

  it('answers 405 with Allow to an undocumented method on a documented path, 404 elsewhere; HEAD mirrors GET', async () => {
    const probed = [
      ...new Set(operations.map((o) => o.path)),
      '/',
      '/v1',
      '/v2/notifications',
      '/v1/notifications/{id}/x',
    ];
    const problem = deref(doc.components.schemas.Problem);
    const methodNotAllowed = deref(doc.components.responses.MethodNotAllowed);
    for (const template of probed) {
      // An existing notification, so a documented route never answers 404 here.
      const id = template.startsWith('/v1/recoveries/') ? recovery.id : delivered.id;
      const path = template.replace('{id}', id).replace('{destination}', encodeURIComponent(vendor.url));
      const documented = operations.filter((o) => o.path === template).map((o) => o.method);
      if (documented.includes('GET')) documented.push('HEAD');
      // The node server sends a browser's GET of the root to the console, outside the API.
      const root = template === '/';
      let getStatus = 404;
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
        const res = await herald.call(method, path, method === 'GET' ? {} : { json: {} });
        const where = `${method} ${template}`;
        if (method === 'GET') getStatus = res.status;
        if (root && method === 'GET') {
          expect([res.status, res.headers.location], where).toEqual([302, '/console']);
          continue;
        }
        if (documented.includes(method)) {
          expect(res.status, where).not.toBe(404);
          expect(res.status, where).not.toBe(405);
        } else if (documented.length > 0) {
          expect([res.status, res.body?.code], where).toEqual([405, 'METHOD_NOT_ALLOWED']);
          expect(res.headers.allow, where).toBe(documented.sort().join(', '));
          expect(Object.keys(methodNotAllowed.headers)).toEqual(['Allow']);
          expect(violations(methodNotAllowed.content['application/problem+json'].schema, res.body), where).toEqual([]);
        } else {
          expect([res.status, res.body?.code], where).toEqual([404, 'NOT_FOUND']);
          expect(violations(problem, res.body), where).toEqual([]);
        }
      }
      expect((await herald.call('HEAD', path)).status, `HEAD ${template}`).toBe(getStatus);
    }
  });

  it('the Problem schema names every code and status the server can produce', () => {
    const problem = doc.components.schemas.Problem.properties;
    const codes = [...Object.keys(STATUS_BY_CODE), 'INTERNAL_ERROR'];
    expect([...problem.code.enum].sort()).toEqual([...codes].sort());
    const statuses = [...new Set([...Object.values(STATUS_BY_CODE), 500])];
    expect([...problem.status.enum].sort()).toEqual(statuses.sort());
  });

  it('documents the request bounds, methods and statuses the code enforces', () => {
    const { schemas } = doc.components;
    const request = schemas.NotificationRequest.properties;
    expect(request.url.maxLength).toBe(LIMITS.urlLength);
    expect(request.headers.maxProperties).toBe(LIMITS.headerCount);
    expect(request.headers.propertyNames.maxLength).toBe(LIMITS.headerNameLength);
    expect(request.headers.additionalProperties.maxLength).toBe(LIMITS.headerValueLength);
    expect(request.idempotencyKey.maxLength).toBe(LIMITS.idempotencyKeyLength);
    const header = deref(doc.components.parameters.IdempotencyKey).schema;
    expect(header).toMatchObject({
      type: 'string',
      minLength: request.idempotencyKey.minLength,
      maxLength: request.idempotencyKey.maxLength,
    });
    // The header takes the field's characters but the comma (a repeated header arrives comma-joined).
    const [field, inHeader] = [new RegExp(request.idempotencyKey.pattern), new RegExp(header.pattern)];
    for (let code = 0; code < 128; code++) {
      const key = `k${String.fromCharCode(code)}k`;
      expect(inHeader.test(key), JSON.stringify(key)).toBe(field.test(key) && key !== 'k,k');
    }
    expect([request.maxAttempts.minimum, request.maxAttempts.maximum]).toEqual([1, LIMITS.maxAttempts]);
    expect([request.timeoutMs.minimum, request.timeoutMs.maximum]).toEqual([LIMITS.minTimeoutMs, LIMITS.maxTimeoutMs]);
    const methodPattern = new RegExp(request.method.pattern);
    for (const method of METHODS) {
      expect(methodPattern.test(method) && methodPattern.test(method.toLowerCase()), method).toBe(true);
    }
    expect(methodPattern.test('BREW')).toBe(false);
    expect(schemas.Method.enum).toEqual([...METHODS]);
    expect(schemas.Status.enum).toEqual([...STATUSES]);
    // DeliveryAttempt is DeliveryResult plus `attempt`, spelled out because additionalProperties is false.
    const result = schemas.DeliveryResult;
    const attempt = schemas.DeliveryAttempt;
    expect(Object.keys(attempt.properties).sort()).toEqual([...Object.keys(result.properties), 'attempt'].sort());
    expect([...attempt.required].sort()).toEqual([...result.required, 'attempt'].sort());
  });

  it('every POST and PATCH: 415 without a JSON Content-Type, bodiless ones too', async () => {
    const destination = encodeURIComponent('https://vendor.example');
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    const routes: [string, string, string][] = [
      ['POST', '/v1/notifications/{id}/retry', `/v1/notifications/${id}/retry`],
      ['POST', '/v1/notifications/{id}/cancel', `/v1/notifications/${id}/cancel`],
      ['POST', '/v1/recoveries', '/v1/recoveries'],
      ['PATCH', '/v1/destinations/{destination}', `/v1/destinations/${destination}`],
      ['POST', '/v1/destinations/{destination}/pause', `/v1/destinations/${destination}/pause`],
      ['POST', '/v1/destinations/{destination}/resume', `/v1/destinations/${destination}/resume`],
      ['POST', '/v1/destinations/{destination}/signing-secret', `/v1/destinations/${destination}/signing-secret`],
    ];
    for (const [method, template, path] of routes) {
      const res = await herald.call(method, path, { headers: { 'content-type': 'text/plain' } });
      expectDocumented(method, template, res);
      expect([res.status, res.body.code, res.body.errors]).toEqual([
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        [{ field: 'Content-Type', message: expect.any(String) }],
      ]);
    }
  });

  it("GET /v1/caller: 200 with the key's caller and role, whatever the role; 401", async () => {
    expect((await call(herald, 'GET', '/v1/caller')).body).toEqual({ name: 'default', role: 'operate' });
    const sender = new HeraldClient(service.baseUrl, SEND_KEY);
    expect((await call(sender, 'GET', '/v1/caller')).body).toEqual({ name: 'sender', role: 'send' });
    expect((await call(anonymous, 'GET', '/v1/caller')).status).toBe(401);
  });

  it('403 FORBIDDEN on every route that refuses a role, naming the role needed', async () => {
    const sender = new HeraldClient(service.baseUrl, SEND_KEY);
    const reader = new HeraldClient(service.baseUrl, READ_KEY);
    for (const { method, path, op } of operations) {
      if (!op.responses['403']) continue;
      // A read key cannot send, retry or cancel; a send key can do nothing else.
      const client = path.startsWith('/v1/notifications') && method !== 'GET' ? reader : sender;
      const concrete = path
        .replace('{id}', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')
        .replace('{destination}', encodeURIComponent('https://vendor.example'));
      const res = await client.call(method, concrete, method === 'GET' ? {} : { json: {} });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect(res.body.detail).toMatch(/needs an API key with the role "(send|read|operate)"/);
      expectDocumented(method, path, res);
    }
  });

  it('exercised every documented answer except the server faults it cannot provoke here', () => {
    // 500 is a bug of Herald's; 503 needs a failing store or queue (test/integration/aws-failures.test.ts).
    const unprovoked = new Set(['500', '503']);
    const missing = operations.flatMap(({ method, path, op }) =>
      Object.keys(op.responses)
        .filter((status) => !unprovoked.has(status))
        .map((status) => `${method} ${path} ${status}`)
        .filter((answer) => !exercised.has(answer)),
    );
    expect(missing).toEqual([]);
  });
});
