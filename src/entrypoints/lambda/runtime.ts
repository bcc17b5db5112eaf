import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { AwsClientConfig } from '../../adapters/aws-clients.js';
import { UndiciHttpSender } from '../../adapters/http/undici-sender.js';
import { powertoolsLogger, powertoolsMetrics } from '../../adapters/observability/powertools.js';
import type { AppDependencies } from '../../app/dependencies.js';
import { type HeraldConfig, loadConfig } from '../../config.js';
import { noMetrics } from '../../ports/metrics.js';
import { buildAppDependencies } from '../app-dependencies.js';
import { type AwsBackend, openAwsBackend } from '../aws-backend.js';
import { openSharedSecretsKey } from '../aws-secrets-key.js';
import { openSigningSecrets } from '../aws-signing-secrets.js';

/**
 * What every Lambda handler shares, built once per container (not per invocation): SDK clients with
 * their connection pools, the undici agent, the logger and the metrics buffer.
 */
export interface LambdaRuntime {
  deps: AppDependencies;
  logger: Logger;
  metrics: Metrics;
  /** The SDK clients behind `deps.store` and `deps.queue`, for SDK middleware (see AwsBackend). */
  clients: AwsBackend['clients'];
  /** The ordered queue, where a worker postpones a message it keeps (its key's line waits behind it). */
  orderedMessages?: AwsBackend['orderedMessages'];
  /** The dead-letter queues the sweeper redrives (none configured: empty). */
  deadLetters: NonNullable<AwsBackend['deadLetters']>;
  /**
   * Releases sockets and connection pools. Lambda never calls it (the container is frozen, then
   * discarded); a host that outlives the handlers does (start:aws-local). The runtime is unusable after.
   */
  close(): Promise<void>;
}

export interface LambdaRuntimeOptions {
  /** Static credentials (the local engines'); omitted on Lambda, where the SDK's default chain applies. */
  credentials?: AwsClientConfig['credentials'];
  /**
   * Whether invocations publish their metrics (CloudWatch EMF on stdout). Default true, as on Lambda;
   * start:aws-local turns it off, as nothing reads them there.
   */
  publishMetrics?: boolean;
  /** AppDependencies.pausedRecheckMs; omitted on Lambda (the default). */
  pausedRecheckMs?: number;
}

/**
 * A runtime from a configuration (HERALD_BACKEND=aws): the handlers' factories take one, so a host
 * can run several with settings of their own side by side (start:aws-local, tests).
 */
export function createLambdaRuntime(config: HeraldConfig, options: LambdaRuntimeOptions = {}): LambdaRuntime {
  if (config.backend !== 'aws') throw new Error('the Lambda handlers run the AWS backend only');
  const logger = new Logger({
    serviceName: 'herald',
    logLevel: config.logLevel === 'silent' ? 'SILENT' : (config.logLevel.toUpperCase() as 'INFO'),
  });
  // Its own warnings (e.g. an invocation that recorded no metric) go through the logger and its level.
  const metrics = new Metrics({ namespace: 'Herald', serviceName: 'herald', logger });
  const backend = openAwsBackend(config, { credentials: options.credentials, logger: powertoolsLogger(logger) });
  const sender = new UndiciHttpSender({
    allowPrivateTargets: config.allowPrivateTargets,
    logger: powertoolsLogger(logger),
  });
  // The CDK stack names a Secrets Manager secret (HERALD_SIGNING_SECRET_ARN); start:aws-local passes
  // HERALD_SIGNING_SECRETS instead.
  const signing = openSigningSecrets(config);
  // The stack names a Secrets Manager secret (HERALD_SECRETS_KEY_ARN), read on first use;
  // start:aws-local passes HERALD_SECRETS_KEY or makes one for its in-memory engines.
  const secretsKey = openSharedSecretsKey(config);
  const deps = buildAppDependencies(config, {
    backend,
    sender,
    logger: powertoolsLogger(logger),
    metrics: options.publishMetrics === false ? noMetrics : powertoolsMetrics(metrics),
    signingSecrets: signing.secrets,
    secretsKey: secretsKey.key,
  });
  if (options.pausedRecheckMs !== undefined) deps.pausedRecheckMs = options.pausedRecheckMs;
  return {
    deps,
    logger,
    metrics,
    clients: backend.clients,
    ...(backend.orderedMessages === undefined ? {} : { orderedMessages: backend.orderedMessages }),
    deadLetters: backend.deadLetters ?? [],
    async close() {
      await sender.close();
      signing.close();
      secretsKey.close();
      await backend.close();
    },
  };
}

/**
 * Reads the secrets key during the cold start (ingest and the worker), so no request waits on
 * Secrets Manager for it; a failed read is retried by the first use.
 */
export function readSecretsKeyAtColdStart(runtime: LambdaRuntime): void {
  runtime.deps.secretsSubkeys.forPurpose('notification-id').catch((error: unknown) => {
    runtime.deps.logger.warn({ err: error }, 'secrets key not read at cold start; its first use retries');
  });
}

let containerRuntime: LambdaRuntime | undefined;

/**
 * The runtime of this Lambda container, from the HERALD_* variables the CDK stack sets (the Lambdas
 * are the AWS mode by definition). Only the entry files the stack bundles call it.
 */
export function lambdaRuntime(): LambdaRuntime {
  containerRuntime ??= createLambdaRuntime(loadConfig({ ...process.env, HERALD_BACKEND: 'aws' }));
  return containerRuntime;
}

/**
 * Wraps a handler with what every invocation needs: the request id on every log line, and the
 * invocation's metrics flushed as one EMF document at the end (only when there are any, so a GET
 * logs no "no metrics" warning).
 */
export function invocation<E, R>(runtime: LambdaRuntime, run: (event: E, context: Context) => Promise<R>) {
  const { logger, metrics } = runtime;
  return async (event: E, context: Context): Promise<R> => {
    logger.addContext(context);
    try {
      return await run(event, context);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
