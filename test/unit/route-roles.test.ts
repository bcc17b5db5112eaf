import { describe, expect, it } from 'vitest';
import type { AppDependencies } from '../../src/app/dependencies.js';
import type { Role } from '../../src/domain/caller.js';
import { createHttpApi } from '../../src/entrypoints/api/http-api.js';
import { forbiddenDetail, requiredRole } from '../../src/entrypoints/api/route-roles.js';

const ANY: Role[] = ['send', 'read', 'operate'];
const SEND: Role[] = ['send', 'operate'];
const READ: Role[] = ['read', 'operate'];
const SEND_OR_READ: Role[] = ['send', 'read', 'operate'];
const OPERATE: Role[] = ['operate'];

/** Every route of the API with the roles that may use it; a route missing here fails the completeness test below. */
const EXPECTED: Record<string, Role[] | 'open'> = {
  'GET /healthz': 'open',
  'GET /openapi.json': 'open',
  'GET /metrics': READ,
  'GET /v1/caller': ANY,
  'POST /v1/notifications': SEND,
  'POST /v1/notifications/batch': SEND,
  'GET /v1/notifications': READ,
  'GET /v1/notifications/:id': SEND_OR_READ,
  'GET /v1/notifications/:id/attempts': SEND_OR_READ,
  'POST /v1/notifications/:id/retry': SEND,
  'POST /v1/notifications/:id/cancel': SEND,
  'GET /v1/stats': READ,
  'POST /v1/recoveries': OPERATE,
  'GET /v1/recoveries/:id': READ,
  'GET /v1/destinations': READ,
  'GET /v1/destinations/:destination': READ,
  'PATCH /v1/destinations/:destination': OPERATE,
  'POST /v1/destinations/:destination/pause': OPERATE,
  'POST /v1/destinations/:destination/resume': OPERATE,
  'GET /v1/destinations/:destination/signing-secret': OPERATE,
  'POST /v1/destinations/:destination/signing-secret': OPERATE,
};

const concrete = (path: string) =>
  path.replace(':id', '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').replace(':destination', 'https%3A%2F%2Fa.example');

describe('requiredRole', () => {
  it.each(Object.entries(EXPECTED).filter(([, roles]) => roles !== 'open'))('%s: %j', (route, roles) => {
    const [method = '', path = ''] = route.split(' ');
    expect([...requiredRole(method, concrete(path))].sort()).toEqual([...(roles as Role[])].sort());
  });

  it('names every route the API serves', () => {
    const api = createHttpApi({} as AppDependencies, {
      identify: () => undefined,
      metrics: { contentType: 'text/plain', render: async () => '' },
    });
    const served = api.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
    for (const route of served) expect(Object.keys(EXPECTED), route).toContain(route);
  });

  it('lets operate do everything: every requirement includes it', () => {
    for (const route of Object.keys(EXPECTED)) {
      const [method = '', path = ''] = route.split(' ');
      expect(requiredRole(method, concrete(path)), route).toContain('operate');
    }
  });

  it('treats HEAD as GET and methods in any case alike', () => {
    expect(requiredRole('HEAD', '/v1/stats')).toEqual(READ);
    expect(requiredRole('post', '/v1/notifications')).toEqual(SEND);
  });

  it('asks operate of anything it does not name, so a route added later starts closed', () => {
    expect(requiredRole('DELETE', '/v1/notifications/x')).toEqual(OPERATE);
    expect(requiredRole('POST', '/v1/something-new')).toEqual(OPERATE);
    expect(requiredRole('PUT', '/v1/notifications')).toEqual(OPERATE);
    expect(requiredRole('GET', '/v2/notifications')).toEqual(OPERATE);
    expect(requiredRole('GET', '/v1/anything/signing-secret')).toEqual(OPERATE);
  });

  it('names the role needed in a 403', () => {
    expect(forbiddenDetail(OPERATE, 'read')).toBe(
      'This needs an API key with the role "operate"; this key\'s role is "read"',
    );
    expect(forbiddenDetail(SEND, 'read')).toBe(
      'This needs an API key with the role "send" (or "operate"); this key\'s role is "read"',
    );
    expect(forbiddenDetail(READ, 'send')).toContain('"read"');
  });
});
