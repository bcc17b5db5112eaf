import { lambdaRuntime } from './runtime.js';
import { createSweeperHandler } from './sweeper-handler.js';

/** The sweeper function's entry, bundled by the CDK stack: one runtime per container. */
export const handler = createSweeperHandler(lambdaRuntime());
