import { type StartService, startSingleProcess } from '../helpers/services.js';
import { spawnService } from '../helpers/spawned-herald.js';
import { describeDestinationsE2E } from './destinations.suite.js';

describeDestinationsE2E('single process, SQLite', startSingleProcess);

/** `npm run start:aws-local` in its own process, as operators run it, with the suite's settings. */
const startAwsLocalProcess: StartService = async (env = {}) => {
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

describeDestinationsE2E('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalProcess);
