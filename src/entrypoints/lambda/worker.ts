import { lambdaRuntime } from './runtime.js';
import { createWorkerHandler } from './worker-handler.js';

/** The worker function's entry, bundled by the CDK stack: one runtime per container. */
export const handler = createWorkerHandler(lambdaRuntime());
