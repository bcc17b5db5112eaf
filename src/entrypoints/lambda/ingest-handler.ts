import type { Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { createHttpApi } from '../api/http-api.js';
import { invocation, type LambdaRuntime } from './runtime.js';

/** The whole HTTP API of docs/api/openapi.json behind API Gateway HTTP API (payload v2). */
export function createIngestHandler(runtime: LambdaRuntime) {
  // API Gateway authorizes callers with IAM (SigV4), so the API itself checks no keys here.
  const serve = handle(createHttpApi(runtime.deps, { apiKeys: [] }));
  return invocation(
    runtime,
    (event: Parameters<typeof serve>[0], context: Context): Promise<Awaited<ReturnType<typeof serve>>> =>
      serve(event, context),
  );
}
