import { startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import { type StartService, TEST_ENV } from './services.js';

/**
 * start:aws-local in this test process, as a StartService: TEST_ENV overridden by `env`. Each call
 * starts an instance of its own (engines, runtime, handlers), so suites with different settings can
 * share a process.
 */
export const startAwsLocalService: StartService = async (env = {}) => {
  const local = await startAwsLocal({ ...TEST_ENV, ...env });
  return { baseUrl: local.url, stop: () => local.stop() };
};
