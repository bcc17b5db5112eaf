import { parentPort, workerData } from 'node:worker_threads';
import { UndiciHttpSender } from '../../adapters/http/undici-sender.js';
import { createPinoLogger } from '../../adapters/observability/pino-logger.js';
import { DurabilityLoss } from '../../adapters/sqlite/durability-loss.js';
import { SqliteDatabase } from '../../adapters/sqlite/sqlite-database.js';
import type { Metrics } from '../../ports/metrics.js';
import { buildAppDependencies } from '../app-dependencies.js';
import { openSigningSecrets, sqliteBackendOn } from './backend.js';
import type {
  DeliveryThreadData,
  FromDeliveryThread,
  MetricEvent,
  ToDeliveryThread,
} from './delivery-thread-messages.js';
import { DURABILITY_LOST_MESSAGE, EXIT_DURABILITY_LOST } from './fatal-exit.js';
import { openNodeSecretsKey } from './secrets-key.js';
import { StoreWorker } from './store-worker.js';

/**
 * The single process's deliveries, on a thread of their own (delivery-thread-host.ts starts it): the
 * store-fed worker on its own connection to the SQLite file, so that claiming, sending and recording
 * run on the second core while the main thread serves the API. SQLite serializes the two
 * connections' transactions; the main thread holds the file's writer lock and has already released
 * what a dead process left in flight.
 */
if (parentPort === null) throw new Error('delivery-thread.ts runs as a worker thread (delivery-thread-host.ts)');
const port = parentPort;
const { config, activeDeliveries, durabilityLoss } = workerData as DeliveryThreadData;
const active = new Int32Array(activeDeliveries);
const post = (message: FromDeliveryThread) => port.postMessage(message);

/** The use cases' metrics, handed to the main thread's Prometheus registry once per event-loop turn. */
function forwardedMetrics(): Metrics {
  let events: MetricEvent[] = [];
  const flush = () => {
    post({ kind: 'metrics', events });
    events = [];
  };
  const add = (event: MetricEvent) => {
    if (events.push(event) === 1) setImmediate(flush);
  };
  return {
    count: (name, value = 1, dimensions) => add({ kind: 'count', name, value, ...(dimensions ? { dimensions } : {}) }),
    timing: (name, milliseconds) => add({ kind: 'timing', name, milliseconds }),
  };
}

// Written to stdout from this thread, with the main thread's settings.
const logger = createPinoLogger(config.logLevel);
// The main thread created the file and holds it open: opening and closing it here again would drop
// that connection's POSIX locks on it (they belong to the process, and go with any close of the file).
const db = new SqliteDatabase(config.dbPath, {
  maxPageCount: config.dbMaxPageCount,
  createFile: false,
  failSyncWhileExists: config.dbFailSyncWhileExists,
  // Shared with the main thread's connection: a failure here stops it acknowledging too.
  durabilityLoss: new DurabilityLoss(durabilityLoss),
  onDurabilityLost: (error) => {
    logger.error({ err: error, thread: 'delivery' }, DURABILITY_LOST_MESSAGE);
    // Ends this thread with the code; the main thread ends the process with it (delivery-thread-host.ts).
    process.exit(EXIT_DURABILITY_LOST);
  },
});
const backend = sqliteBackendOn(db, () => db.close());
const signing = await openSigningSecrets(config);
// The main thread has made the key file, if there is one: here it is only read.
const secretsKey = await openNodeSecretsKey(config, logger);
const sender = new UndiciHttpSender({ allowPrivateTargets: config.allowPrivateTargets, logger });
const deps = buildAppDependencies(config, {
  backend,
  sender,
  logger,
  metrics: forwardedMetrics(),
  signingSecrets: signing.secrets,
  secretsKey: secretsKey.key,
});
const claimable = backend.claimable as NonNullable<typeof backend.claimable>;
const worker = new StoreWorker(deps, claimable.store, claimable.wake, {
  concurrency: config.deliveryConcurrency,
  onActiveDeliveries: (count) => Atomics.store(active, 0, count),
});

port.on('message', (message: ToDeliveryThread) => {
  switch (message.kind) {
    case 'workDue':
      claimable.wake.notify();
      break;
    case 'destinationChanged': {
      // Answered once no round still decides on the old copy: an operator's pause, once answered,
      // holds every notification sent after it, as with one thread.
      deps.destinations.adopt(message.record);
      const { ack } = message;
      void worker.roundEnded().then(() => post({ kind: 'destinationAdopted', ack }));
      break;
    }
    case 'stop':
      // Whatever handle is still open, the thread ends here: the main thread waits for its exit code.
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          deps.logger.error({ err: error }, 'the delivery thread did not stop cleanly');
          process.exit(1);
        },
      );
      break;
  }
});

async function stop(): Promise<void> {
  await worker.stop();
  await sender.close();
  signing.close();
  secretsKey.close();
  await backend.close();
}

worker.start();
post({ kind: 'ready' });
