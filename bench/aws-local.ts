import { existsSync } from 'node:fs';
import { type DeliveryLoad, measureService, type ServiceRunResult } from './delivery-run.js';
import { spawnService } from './processes.js';

const ENTRY = 'src/entrypoints/local/aws-local.ts';

/** Why the aws-local measurement cannot run here, or undefined when it can. */
export function awsLocalSkipReason(): string | undefined {
  return existsSync(ENTRY) ? undefined : `${ENTRY} does not exist yet`;
}

/**
 * `npm run start:aws-local`: dynalite and fauxqs in the service's process, the real ingest handler fed
 * API Gateway v2 events, the worker handler fed SQS batches by the local event-source poller. The
 * engines are slow (hundreds of operations per second), so N is small: this checks the counting and
 * shows a trend, it is not a figure for AWS itself.
 */
export async function measureAwsLocal(load: DeliveryLoad): Promise<ServiceRunResult> {
  const service = await spawnService(ENTRY, {
    env: { HERALD_ALLOW_PRIVATE_TARGETS: 'true', HERALD_LOG_LEVEL: 'warn' },
  });
  return measureService(service, load, 180_000);
}
