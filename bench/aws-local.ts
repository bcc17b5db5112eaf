import { existsSync } from 'node:fs';
import { runDeliveries } from './delivery-run.js';
import { peakRssMb, type Sink, spawnService } from './processes.js';
import type { ServiceRunResult } from './single-process.js';

const ENTRY = 'src/entrypoints/local/aws-local.ts';

/** Why the aws-local measurement cannot run here, or undefined when it can. */
export function awsLocalSkipReason(): string | undefined {
  return existsSync(ENTRY) ? undefined : `${ENTRY} does not exist yet`;
}

export interface AwsLocalOptions {
  sink: Sink;
  notifications: number;
  connections: number;
  warmup: number;
  payload: unknown;
}

/**
 * `npm run start:aws-local`: dynalite and fauxqs in the service's process, the real ingest handler fed
 * API Gateway v2 events, the worker handler fed SQS batches by the local event-source poller. The
 * engines are slow (hundreds of operations per second), so N is small: this checks the counting and
 * shows a trend, it is not a figure for AWS itself.
 */
export async function measureAwsLocal(options: AwsLocalOptions): Promise<ServiceRunResult> {
  const service = await spawnService(ENTRY, {
    env: { HERALD_ALLOW_PRIVATE_TARGETS: 'true', HERALD_LOG_LEVEL: 'warn' },
  });
  try {
    const result = await runDeliveries({
      serviceUrl: service.url,
      servicePid: service.pid,
      sink: options.sink,
      notifications: options.notifications,
      connections: options.connections,
      payload: options.payload,
      warmup: options.warmup,
      drainTimeoutMs: 180_000,
    });
    return { ...result, peakRssMb: peakRssMb(service.pid) };
  } finally {
    await service.stop();
  }
}
