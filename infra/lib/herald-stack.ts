import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { HeraldApi } from './api.js';
import { HeraldBodies } from './bodies.js';
import { HeraldData } from './data.js';
import { HeraldFunctions, QUEUE_VISIBILITY_TIMEOUT } from './functions.js';
import { HeraldMonitoring } from './monitoring.js';
import { HeraldSecretsKey } from './secrets-key.js';
import type { HeraldSettings } from './settings.js';
import { HeraldSigningSecret } from './signing-secret.js';

export interface HeraldStackProps extends StackProps {
  readonly settings: HeraldSettings;
}

/**
 * Herald's AWS mode (docs/design.md): HTTP API → ingest Lambda, DynamoDB (and S3 for large bodies),
 * SQS + DLQ, worker and sweeper.
 */
export class HeraldStack extends Stack {
  readonly data: HeraldData;
  readonly bodies: HeraldBodies;
  readonly signing: HeraldSigningSecret;
  readonly secretsKey: HeraldSecretsKey;
  readonly functions: HeraldFunctions;
  readonly api: HeraldApi;
  readonly monitoring: HeraldMonitoring;

  constructor(scope: Construct, id: string, props: HeraldStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.data = new HeraldData(this, 'Data', { visibilityTimeout: QUEUE_VISIBILITY_TIMEOUT });
    this.signing = new HeraldSigningSecret(this, 'Signing');
    this.secretsKey = new HeraldSecretsKey(this, 'SecretsKey');
    this.functions = new HeraldFunctions(this, 'Functions', {
      data: this.data,
      signingSecret: this.signing.secret,
      secretsKey: this.secretsKey.secret,
      settings,
    });
    // Large bodies: ingest writes them (and its API reads return them), the worker delivers them, the
    // sweeper reads no body.
    this.bodies = new HeraldBodies(this, 'Bodies');
    this.bodies.grantObjects(this.functions.ingest, ['s3:PutObject', 's3:GetObject']);
    // Put: a claim late in a notification's life writes its body again, renewing its lifecycle count.
    this.bodies.grantObjects(this.functions.worker, ['s3:PutObject', 's3:GetObject']);
    this.bodies.grantObjects(this.functions.sweeper, []);
    this.api = new HeraldApi(this, 'Api', {
      handler: this.functions.ingest,
      rateLimit: settings.apiRateLimit,
      burstLimit: settings.apiBurstLimit,
    });
    this.monitoring = new HeraldMonitoring(this, 'Monitoring', {
      httpApi: this.api.httpApi,
      ingest: this.functions.ingest,
      worker: this.functions.worker,
      sweeper: this.functions.sweeper,
      queue: this.data.queue,
      deadLetterQueue: this.data.deadLetterQueue,
      orderedQueue: this.data.orderedQueue,
      api5xxThreshold: settings.api5xxAlarmThreshold,
      alarmEmail: settings.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Herald HTTP API (SigV4)' });
    new CfnOutput(this, 'ApiId', { value: this.api.httpApi.apiId });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.data.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.data.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueArn', { value: this.data.deadLetterQueue.queueArn });
    new CfnOutput(this, 'OrderedDeliveryQueueUrl', { value: this.data.orderedQueue.queueUrl });
    new CfnOutput(this, 'BodyBucketName', { value: this.bodies.bucket.bucketName });
    new CfnOutput(this, 'SigningSecretArn', {
      value: this.signing.secret.secretArn,
      description: 'Secrets Manager secret holding the Standard Webhooks signing secrets',
    });
    new CfnOutput(this, 'SecretsKeyArn', {
      value: this.secretsKey.secret.secretArn,
      description: 'Secrets Manager secret the key for secrets at rest is made from (back it up; never rotate it)',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}
