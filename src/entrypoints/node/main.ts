import { ConfigError, loadConfig } from '../../config.js';
import { startHerald } from './herald-server.js';

/** `npm start`: the single-process service (or, with HERALD_BACKEND=aws, a container against AWS). */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const herald = await startHerald(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    herald.logger.info({ signal, inFlight: herald.activeDeliveries() }, 'shutting down: draining deliveries');
    herald.stop().then(
      () => process.exit(0),
      (error) => {
        herald.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`Herald failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
