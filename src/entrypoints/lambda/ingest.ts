import { createIngestHandler } from './ingest-handler.js';
import { lambdaRuntime } from './runtime.js';

/** The ingest function's entry, bundled by the CDK stack: one runtime per container. */
export const handler = createIngestHandler(lambdaRuntime());
