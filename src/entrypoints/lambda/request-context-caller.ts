import { type Caller, DEFAULT_CALLER } from '../../domain/caller.js';

/** What of API Gateway's `requestContext` (HTTP API, payload 2.0) names the caller. */
export interface RequestContextAuthorizer {
  /** IAM authorization (the stack's routes): the principal that signed the request. */
  authorizer?: { iam?: { userArn?: string; callerId?: string } };
}

/**
 * The caller of a request as API Gateway authorized it, or undefined for a 401. The stack's routes are
 * IAM-authorized, so only a principal allowed to invoke the API gets here: it is the caller, with full
 * access (an IAM policy, not a Herald role, limits what it may do). Without an authorizer (a local
 * run without keys) every request is the full-access caller `default`.
 */
export function callerOfRequestContext(requestContext: RequestContextAuthorizer | undefined): Caller | undefined {
  const iam = requestContext?.authorizer?.iam;
  if (!iam) return DEFAULT_CALLER;
  const name = iam.userArn || iam.callerId;
  return name ? { name, role: 'operate' } : undefined;
}
