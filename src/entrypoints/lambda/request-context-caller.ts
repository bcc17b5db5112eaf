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
 *
 * A role never signs a request itself: one of its sessions does, named per EC2 instance, ECS task or
 * Lambda function. So an assumed role's caller is the role (its session ARN without the session's
 * name): every replica of one service is one caller, and a retry through another replica finds the
 * notification its Idempotency-Key made.
 */
export function callerOfRequestContext(requestContext: RequestContextAuthorizer | undefined): Caller | undefined {
  const iam = requestContext?.authorizer?.iam;
  if (!iam) return DEFAULT_CALLER;
  const name = iam.userArn ? withoutSessionName(iam.userArn) : iam.callerId?.split(':')[0];
  return name ? { name, role: 'operate' } : undefined;
}

/** `arn:<partition>:sts::<account>:assumed-role/<role>/<session>` without `/<session>`; any other ARN as it is. */
function withoutSessionName(arn: string): string {
  return arn.replace(/^(arn:[^:]+:sts::[^:]*:assumed-role\/[^/]+)\/.*$/, '$1');
}
