import type { StartService } from './services.js';
import { spawnService } from './spawned-herald.js';

/**
 * `npm run start:aws-local` in its own process, so it gets the suite's settings (the Lambda runtimes
 * are per process).
 */
export const startAwsLocalProcess: StartService = async (env = {}) => {
  const child = await spawnService(
    process.execPath,
    ['--import', 'tsx', 'src/entrypoints/local/aws-local.ts'],
    env,
    60_000,
  );
  return {
    baseUrl: child.client.baseUrl,
    async stop() {
      child.process.kill('SIGTERM');
      await child.exited;
    },
  };
};
