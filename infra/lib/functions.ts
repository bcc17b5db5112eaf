import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import {
  CREATED_INDEX,
  DESTINATION_PARTITION,
  FAILED_INDEX,
  notificationKey,
  RECOVERY_PARTITION,
} from '../../src/adapters/dynamodb/table-schema.js';
import {
  DELIVERY_QUEUE,
  LAMBDA_FUNCTIONS,
  ORDERED_EVENT_SOURCE,
  SWEEPER_SCHEDULE,
  WORKER_EVENT_SOURCE,
} from '../../src/entrypoints/lambda/deployment.js';
import type { HeraldData } from './data.js';
import { type HandlerName, handlerEntry, LOCK_FILE, REPO_ROOT } from './paths.js';
import type { HeraldSettings } from './settings.js';

// Timeouts, memory, batching, visibility and schedule are src/entrypoints/lambda/deployment.ts's,
// which start:aws-local plays too.
export const WORKER_TIMEOUT = Duration.seconds(LAMBDA_FUNCTIONS.worker.timeoutSeconds);
export const QUEUE_VISIBILITY_TIMEOUT = Duration.seconds(DELIVERY_QUEUE.visibilityTimeoutSeconds);

export const RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * esbuild, run locally (never Docker). The AWS SDK v3 is bundled, not taken from the runtime: the
 * code then runs on exactly the client versions package-lock.json pins and the tests exercised (the
 * runtime's copy changes under us without notice), and tree-shaking keeps only the DynamoDB and SQS
 * commands we call, which loads faster than resolving the runtime's full clients on a cold start.
 * ESM output; the banner gives CommonJS dependencies (undici, parts of the SDK) the `require` they
 * expect inside an ES module.
 */
export const BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  format: nodejs.OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourceMapMode: nodejs.SourceMapMode.DEFAULT,
  sourcesContent: false,
  bundleAwsSDK: true,
  banner:
    "import { createRequire as heraldCreateRequire } from 'node:module'; const require = heraldCreateRequire(import.meta.url);",
  logLevel: nodejs.LogLevel.WARNING,
};

export interface HeraldFunctionsProps {
  readonly data: HeraldData;
  /** The Standard Webhooks signing secrets: the worker signs with keys derived from them, ingest shows those keys. */
  readonly signingSecret: secretsmanager.ISecret;
  /** The key destinations' secrets are sealed under and ids are derived with (ingest and the worker). */
  readonly secretsKey: secretsmanager.ISecret;
  readonly settings: HeraldSettings;
}

interface FunctionSpec {
  readonly name: HandlerName;
  readonly description: string;
}

/** The three Lambda functions, each with its own role holding only the actions its handler calls. */
export class HeraldFunctions extends Construct {
  readonly ingest: nodejs.NodejsFunction;
  readonly worker: nodejs.NodejsFunction;
  readonly sweeper: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: HeraldFunctionsProps) {
    super(scope, id);
    const { data, settings, signingSecret, secretsKey } = props;

    const environment: Record<string, string> = {
      HERALD_BACKEND: 'aws',
      // Every handler is given it, as every runtime opens the key; only ingest and the worker may read it.
      HERALD_SECRETS_KEY_ARN: secretsKey.secretArn,
      HERALD_TABLE_NAME: data.table.tableName,
      HERALD_QUEUE_URL: data.queue.queueUrl,
      HERALD_ORDERED_QUEUE_URL: data.orderedQueue.queueUrl,
      HERALD_DLQ_URL: data.deadLetterQueue.queueUrl,
      HERALD_MAX_ATTEMPTS: String(settings.maxAttempts),
      HERALD_RETRY_BASE_DELAY_MS: String(settings.retryBaseDelayMs),
      HERALD_RETRY_MAX_DELAY_MS: String(settings.retryMaxDelayMs),
      HERALD_ATTEMPT_TIMEOUT_MS: String(settings.attemptTimeoutMs),
      HERALD_SIGNING_ROTATION_HOURS: String(settings.signingRotationHours),
      POWERTOOLS_SERVICE_NAME: 'herald',
      POWERTOOLS_METRICS_NAMESPACE: 'Herald',
      NODE_OPTIONS: '--enable-source-maps',
    };

    const make = (spec: FunctionSpec): nodejs.NodejsFunction => {
      const logGroup = new logs.LogGroup(this, `${spec.name}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
      // Our own role instead of the AWSLambdaBasicExecutionRole managed policy, whose log permissions
      // cover every log group in the account.
      const role = new iam.Role(this, `${spec.name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Herald ${spec.name} function`,
      });
      logGroup.grantWrite(role);
      const fn = new nodejs.NodejsFunction(this, spec.name, {
        entry: handlerEntry(spec.name),
        handler: 'handler',
        projectRoot: REPO_ROOT,
        depsLockFilePath: LOCK_FILE,
        runtime: RUNTIME,
        architecture: lambda.Architecture.ARM_64,
        description: spec.description,
        timeout: Duration.seconds(LAMBDA_FUNCTIONS[spec.name].timeoutSeconds),
        memorySize: LAMBDA_FUNCTIONS[spec.name].memoryMb,
        role,
        logGroup,
        environment,
        bundling: BUNDLING,
      });
      NagSuppressions.addResourceSuppressions(fn, [
        {
          id: 'AwsSolutions-L1',
          reason:
            'Pinned to Node.js 22 on purpose: it is the runtime the handler tests run on (node@22), supported by Lambda until 2027. Move to Node.js 24 together with the test runtime, not ahead of it.',
        },
      ]);
      return fn;
    };

    this.ingest = make({
      name: 'ingest',
      description: 'Herald HTTP API: accept, read, list and retry notifications',
    });
    this.worker = make({
      name: 'worker',
      description: 'Herald delivery worker: one SQS batch of notifications per invocation',
    });
    this.sweeper = make({
      name: 'sweeper',
      description: 'Herald sweeper: enqueues notifications still PENDING a minute after ingest',
    });

    const table = data.table.tableArn;
    const allIndexes = [data.indexArn(CREATED_INDEX.name), data.indexArn(FAILED_INDEX.name)];
    const bothQueues = [data.queue.queueArn, data.orderedQueue.queueArn];
    // Ingest, retries by hand and the sweeper send to whichever queue a notification's key calls for.
    const sendToQueues = () => new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: bothQueues });
    const readSecrets = () =>
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [signingSecret.secretArn, secretsKey.secretArn],
      });
    const sendToQueue = () =>
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [data.queue.queueArn] });

    this.ingest.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'dynamodb:PutItem',
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:BatchGetItem',
          'dynamodb:UpdateItem',
        ],
        resources: [table, ...allIndexes],
      }),
    );
    this.ingest.addToRolePolicy(sendToQueues());
    // GET /v1/stats shows the queues' approximate depth where the table keeps no counts.
    this.ingest.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:GetQueueAttributes'], resources: bothQueues }),
    );
    // Ingest shows each destination's derived keys (GET …/signing-secret), seals the keys operators
    // make and derives ids from idempotency keys. GetSecretValue alone (not grantRead, which adds
    // DescribeSecret); the secrets use the aws/secretsmanager key, whose policy lets the service decrypt.
    this.ingest.addEnvironment('HERALD_SIGNING_SECRET_ARN', signingSecret.secretArn);
    this.ingest.addToRolePolicy(readSecrets());

    this.worker.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table] }),
    );
    // The worker updates only notifications' items (their transitions, their expiry): not a
    // destination record, a recovery job or the sweeper's watermarks.
    this.worker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [notificationKey('*')] } },
      }),
    );
    // Destination records (breaker, holds, rate slots) are the only items the worker puts whole.
    this.worker.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [table],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [DESTINATION_PARTITION] } },
      }),
    );
    // Retries are delayed copies of the message the worker sends itself; an ordered message is kept
    // and postponed instead (ChangeMessageVisibility, granted with its event source).
    this.worker.addToRolePolicy(sendToQueue());
    // The signing secrets are read at cold start and every five minutes, the secrets key once.
    this.worker.addEnvironment('HERALD_SIGNING_SECRET_ARN', signingSecret.secretArn);
    this.worker.addToRolePolicy(readSecrets());
    // Grants the poller's ReceiveMessage, DeleteMessage, ChangeMessageVisibility and GetQueueAttributes.
    this.worker.addEventSource(
      new SqsEventSource(data.queue, {
        batchSize: WORKER_EVENT_SOURCE.batchSize,
        maxBatchingWindow: Duration.seconds(WORKER_EVENT_SOURCE.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: settings.workerMaxConcurrency,
      }),
    );
    this.worker.addEventSource(
      new SqsEventSource(data.orderedQueue, {
        batchSize: ORDERED_EVENT_SOURCE.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: settings.workerMaxConcurrency,
      }),
    );

    this.sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        // byCreatedMinute: notifications never enqueued; failedByShard (`P#` entries): retried ones
        // whose enqueue failed. See listStalePending in the DynamoDB store.
        actions: ['dynamodb:Query'],
        resources: [data.indexArn(CREATED_INDEX.name), data.indexArn(FAILED_INDEX.name)],
      }),
    );
    this.sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table],
      }),
    );
    // Bulk recoveries advance here (the schedule paces them): the running jobs are one Query of their
    // own partition. A notification is read with one Query of its own (DynamoDbStore.get: both items),
    // which the sweep of stale PENDING notifications and the DLQ redrive make for each id. Nothing else
    // on the table may be queried.
    this.sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [RECOVERY_PARTITION, notificationKey('*')] },
        },
      }),
    );
    this.sweeper.addToRolePolicy(sendToQueues());
    // Dead-lettered messages are sent back (redrive-dead-letters.ts): received, deleted, or hidden
    // while left for an operator. Not GetQueueAttributes: the sweeper never counts them.
    this.sweeper.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
        resources: [data.deadLetterQueue.queueArn],
      }),
    );
    new events.Rule(this, 'SweeperSchedule', {
      description: 'Runs the Herald sweeper every minute',
      schedule: events.Schedule.rate(Duration.minutes(SWEEPER_SCHEDULE.rateMinutes)),
      // A missed run is covered by the next one: do not queue stale invocations.
      targets: [
        new targets.LambdaFunction(this.sweeper, {
          retryAttempts: 0,
          maxEventAge: Duration.minutes(SWEEPER_SCHEDULE.rateMinutes),
        }),
      ],
    });
  }

  get all(): nodejs.NodejsFunction[] {
    return [this.ingest, this.worker, this.sweeper];
  }
}
