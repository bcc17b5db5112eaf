import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import type { ApiKeyEntry } from '../../config.js';
import { callerByApiKey } from '../api/api-keys.js';
import { createHttpApi, type HttpApiOptions } from '../api/http-api.js';
import { callerOfRequestContext } from './request-context-caller.js';
import { invocation, type LambdaRuntime, readSecretsKeyAtColdStart } from './runtime.js';

/**
 * The whole HTTP API of docs/api/openapi.json behind API Gateway HTTP API (payload v2). On AWS, API
 * Gateway authorizes callers with IAM (SigV4) and no `apiKeys` are given: the principal it names is
 * the caller (request-context-caller.ts). start:aws-local has no IAM and passes HERALD_API_KEYS: the
 * API checks them itself, on the path as its router resolves it (`/x/../v1`, `/%76%31`), and applies
 * their roles, as the node server does.
 */
export function createIngestHandler(runtime: LambdaRuntime, apiKeys: ApiKeyEntry[] = []) {
  readSecretsKeyAtColdStart(runtime);
  const callerOfKey = callerByApiKey(apiKeys);
  const identify: HttpApiOptions['identify'] =
    apiKeys.length > 0
      ? (c) => callerOfKey(c.req.header('authorization'))
      : (c) => callerOfRequestContext(c.env?.event?.requestContext);
  const serve = handle(createHttpApi(runtime.deps, { identify }));
  return invocation(
    runtime,
    (event: Parameters<typeof serve>[0], context: Context): Promise<Awaited<ReturnType<typeof serve>>> =>
      serve(event, context),
  );
}
