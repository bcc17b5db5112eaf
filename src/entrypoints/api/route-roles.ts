import { ROLES, type Role } from '../../domain/caller.js';

/** The roles that may make a request, any one of them; `operate` is always one. */
export type Requirement = readonly Role[];

const ANY_KEY: Requirement = ROLES;
const SEND: Requirement = ['send', 'operate'];
const READ: Requirement = ['read', 'operate'];
/** A send caller's reads of a notification (its own: the API scopes them), which every read key may make too. */
const SEND_OR_READ: Requirement = ['send', 'read', 'operate'];
const OPERATE: Requirement = ['operate'];

const NOTIFICATION = '/v1/notifications/[^/]+';

/** The routes a send key may use, and what each needs. */
const SEND_ROUTES: ReadonlyArray<readonly [method: string, path: RegExp, requirement: Requirement]> = [
  ['POST', /^\/v1\/notifications$/, SEND],
  ['POST', /^\/v1\/notifications\/batch$/, SEND],
  ['GET', new RegExp(`^${NOTIFICATION}$`), SEND_OR_READ],
  ['GET', new RegExp(`^${NOTIFICATION}/attempts$`), SEND_OR_READ],
  ['POST', new RegExp(`^${NOTIFICATION}/(retry|cancel)$`), SEND],
];

/**
 * The roles that may make a request, by method and path alone, so every route's rule is in this one
 * table: a send key sends, and reads, retries and cancels notifications; a read key makes every GET of
 * /v1 and /metrics; operate does everything. What is not named here needs `operate`: a route added
 * later is closed to send and read keys until it is named. A path ending in `/signing-secret` returns
 * secrets, so even its GET needs `operate`. `GET /v1/caller` answers any key.
 */
export function requiredRole(method: string, path: string): Requirement {
  // A HEAD is the GET without its body.
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  if (verb === 'GET' && path === '/v1/caller') return ANY_KEY;
  const route = SEND_ROUTES.find(([m, pattern]) => m === verb && pattern.test(path));
  if (route) return route[2];
  if (/\/signing-secret\/?$/.test(path)) return OPERATE;
  if (verb === 'GET' && (path.startsWith('/v1/') || path === '/metrics')) return READ;
  return OPERATE;
}

/** What a 403 says: the role the request needs (the narrowest one, operate holding them all). */
export function forbiddenDetail(requirement: Requirement, held: Role): string {
  const needed = requirement.filter((role) => role !== 'operate').map((role) => `"${role}"`);
  const roles = needed.length === 0 ? '"operate"' : `${needed.join(' or ')} (or "operate")`;
  return `This needs an API key with the role ${roles}; this key's role is "${held}"`;
}
