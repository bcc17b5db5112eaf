import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import { type StartService, TEST_ENV } from './services.js';

let running: Promise<AwsLocal> | undefined;

/**
 * start:aws-local in this test process, as a StartService. The Lambda handlers keep one runtime per
 * process, so it starts once per test file (vitest runs each file in a process of its own) and only
 * with TEST_ENV; stop() ends it for good.
 */
export const startAwsLocalService: StartService = async (env = {}) => {
  if (Object.keys(env).length > 0) throw new Error('aws-local starts once per test file, with TEST_ENV');
  running ??= startAwsLocal({ ...TEST_ENV });
  const local = await running;
  return { baseUrl: local.url, stop: () => local.stop() };
};
