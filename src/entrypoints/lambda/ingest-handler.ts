import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { createHttpApi } from '../api/http-api.js';
import { invocation, type LambdaRuntime } from './runtime.js';

/**
 * The whole HTTP API of docs/api/openapi.json behind API Gateway HTTP API (payload v2). On AWS, API
 * Gateway authorizes callers with IAM (SigV4) and no `apiKeys` are given. start:aws-local has no IAM
 * and passes HERALD_API_KEYS: the API checks them itself, on the path as its router resolves it
 * (`/x/../v1`, `/%76%31`), as the node server does.
 */
export function createIngestHandler(runtime: LambdaRuntime, apiKeys: string[] = []) {
  const serve = handle(createHttpApi(runtime.deps, { apiKeys }));
  return invocation(
    runtime,
    (event: Parameters<typeof serve>[0], context: Context): Promise<Awaited<ReturnType<typeof serve>>> =>
      serve(event, context),
  );
}
