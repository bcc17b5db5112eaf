import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { UndiciHttpSender } from '../../adapters/http/undici-sender.js';
import { powertoolsLogger, powertoolsMetrics } from '../../adapters/observability/powertools.js';
import type { AppDependencies } from '../../app/dependencies.js';
import { loadConfig } from '../../config.js';
import { buildAppDependencies } from '../app-dependencies.js';
import { type AwsBackend, openAwsBackend } from '../aws-backend.js';
import { openSigningSecrets } from '../aws-signing-secrets.js';

/**
 * What every Lambda handler shares, built once per container (not per invocation): SDK clients with
 * their connection pools, the undici agent, the logger and the metrics buffer. The CDK stack sets
 * the HERALD_* variables; the Lambdas are the AWS mode by definition.
 */
export interface LambdaRuntime {
  deps: AppDependencies;
  logger: Logger;
  metrics: Metrics;
  /** The SDK clients behind `deps.store` and `deps.queue`, for SDK middleware (see AwsBackend). */
  clients: AwsBackend['clients'];
  /**
   * Releases sockets and connection pools. Lambda never calls it (the container is frozen, then
   * discarded); a host that outlives the handlers does (start:aws-local). The runtime is unusable after.
   */
  close(): Promise<void>;
}

let runtime: LambdaRuntime | undefined;

export function lambdaRuntime(): LambdaRuntime {
  if (runtime) return runtime;
  const config = loadConfig({ ...process.env, HERALD_BACKEND: 'aws' });
  const logger = new Logger({
    serviceName: 'herald',
    logLevel: config.logLevel === 'silent' ? 'SILENT' : (config.logLevel.toUpperCase() as 'INFO'),
  });
  // Its own warnings (e.g. an invocation that recorded no metric) go through the logger and its level.
  const metrics = new Metrics({ namespace: 'Herald', serviceName: 'herald', logger });
  const backend = openAwsBackend(config);
  const sender = new UndiciHttpSender({ allowPrivateTargets: config.allowPrivateTargets });
  // The CDK stack names a Secrets Manager secret (HERALD_SIGNING_SECRET_ARN); start:aws-local passes
  // HERALD_SIGNING_SECRETS instead.
  const signing = openSigningSecrets(config);
  const deps = buildAppDependencies(config, {
    backend,
    sender,
    logger: powertoolsLogger(logger),
    metrics: powertoolsMetrics(metrics),
    signingSecrets: signing.secrets,
  });
  runtime = {
    deps,
    logger,
    metrics,
    clients: backend.clients,
    async close() {
      await sender.close();
      signing.close();
      await backend.close();
    },
  };
  return runtime;
}

/**
 * Wraps a handler with what every invocation needs: the request id on every log line, and the
 * invocation's metrics flushed as one EMF document at the end (only when there are any, so a GET
 * logs no "no metrics" warning).
 */
export function invocation<E, R>(run: (event: E, context: Context) => Promise<R>) {
  return async (event: E, context: Context): Promise<R> => {
    const { logger, metrics } = lambdaRuntime();
    logger.addContext(context);
    try {
      return await run(event, context);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
