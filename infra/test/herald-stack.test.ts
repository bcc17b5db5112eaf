import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { heraldTableDefinition } from '../../src/adapters/dynamodb/create-table.js';
import { BODY_OBJECT_RETENTION_DAYS } from '../../src/adapters/dynamodb/request-bodies.js';
import {
  CREATED_INDEX,
  DESTINATION_PARTITION,
  FAILED_INDEX,
  KEY,
  notificationKey,
  RECOVERY_PARTITION,
  RETENTION_DAYS,
  TTL_ATTRIBUTE,
} from '../../src/adapters/dynamodb/table-schema.js';
import { LIMITS } from '../../src/domain/request-schema.js';
import { ORDERED_QUEUE } from '../../src/entrypoints/lambda/deployment.js';
import { ROUTES } from '../lib/api.js';
import { MAX_RECEIVE_COUNT } from '../lib/data.js';
import { QUEUE_VISIBILITY_TIMEOUT, WORKER_TIMEOUT } from '../lib/functions.js';
import { METRICS_NAMESPACE, ORDERED_AGE_ALARM_SECONDS } from '../lib/monitoring.js';
import { actionsOf, logicalId, onlyResource, resources, resourcesOf, statementsOfRole, synthesize } from './support.js';

const { stack, template } = synthesize();
const ids = {
  table: stack.getLogicalId(stack.data.table.node.defaultChild as never),
  queue: stack.getLogicalId(stack.data.queue.node.defaultChild as never),
  dlq: stack.getLogicalId(stack.data.deadLetterQueue.node.defaultChild as never),
  orderedQueue: stack.getLogicalId(stack.data.orderedQueue.node.defaultChild as never),
  bucket: stack.getLogicalId(stack.bodies.bucket.node.defaultChild as never),
  signingSecret: stack.getLogicalId(stack.signing.secret.node.defaultChild as never),
  secretsKey: stack.getLogicalId(stack.secretsKey.secret.node.defaultChild as never),
  ingest: logicalId(stack, stack.functions.ingest),
  worker: logicalId(stack, stack.functions.worker),
  sweeper: logicalId(stack, stack.functions.sweeper),
};
const propsOf = (id: string): Record<string, unknown> => template.toJSON().Resources[id].Properties;
const timeoutOf = (fnId: string) => propsOf(fnId).Timeout as number;
const roleOf = (fnId: string) => (propsOf(fnId).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const indexArn = (name: string) => ({ 'Fn::Join': ['', [arnOf(ids.table), `/index/${name}`]] });
/** Every object of the body bucket: the only resource a data action may name with a wildcard (the key). */
const bodyObjects = { 'Fn::Join': ['', [arnOf(ids.bucket), '/*']] };

describe('environment', () => {
  it('targets account 123456789012 in us-east-1 by default', () => {
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('us-east-1');
  });

  it('takes the account and region from CDK_DEFAULT_* when the CLI found credentials', () => {
    const { stack: s } = synthesize({}, { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'eu-west-1' });
    expect([s.account, s.region]).toEqual(['111111111111', 'eu-west-1']);
  });

  it('lets context account/region win over everything', () => {
    const { stack: s } = synthesize(
      { account: '222222222222', region: 'eu-central-1' },
      { CDK_DEFAULT_ACCOUNT: '111111111111', CDK_DEFAULT_REGION: 'eu-west-1' },
    );
    expect([s.account, s.region]).toEqual(['222222222222', 'eu-central-1']);
  });
});

describe('functions', () => {
  const functions = resources(template, 'AWS::Lambda::Function');

  it('are exactly ingest, worker and sweeper', () => {
    expect(functions.map(([id]) => id).sort()).toEqual([ids.ingest, ids.sweeper, ids.worker].sort());
  });

  it.each(functions)('%s runs Node.js 22 on arm64 from an S3 asset, never inline code', (_id, props) => {
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Code).toEqual({ S3Bucket: expect.any(String), S3Key: expect.stringMatching(/\.zip$/) });
    expect(props.Code).not.toHaveProperty('ZipFile');
    expect(props.Handler).toBe('index.handler');
    expect(props).not.toHaveProperty('FunctionName');
  });

  it.each(functions)(
    '%s gets the table, queues, body bucket, delivery settings and Powertools settings',
    (id, props) => {
      // The signing secret's ARN only where it is used: the worker signs, ingest derives receivers' keys.
      const signing = id === ids.sweeper ? {} : { HERALD_SIGNING_SECRET_ARN: { Ref: ids.signingSecret } };
      expect((props.Environment as { Variables: unknown }).Variables).toEqual({
        ...signing,
        HERALD_SECRETS_KEY_ARN: { Ref: ids.secretsKey },
        HERALD_BACKEND: 'aws',
        HERALD_TABLE_NAME: { Ref: ids.table },
        HERALD_QUEUE_URL: { Ref: ids.queue },
        HERALD_ORDERED_QUEUE_URL: { Ref: ids.orderedQueue },
        HERALD_DLQ_URL: { Ref: ids.dlq },
        HERALD_BODY_BUCKET: { Ref: ids.bucket },
        HERALD_MAX_ATTEMPTS: '8',
        HERALD_RETRY_BASE_DELAY_MS: '1000',
        HERALD_RETRY_MAX_DELAY_MS: '3600000',
        HERALD_ATTEMPT_TIMEOUT_MS: '10000',
        HERALD_SIGNING_ROTATION_HOURS: '24',
        POWERTOOLS_SERVICE_NAME: 'herald',
        POWERTOOLS_METRICS_NAMESPACE: 'Herald',
        NODE_OPTIONS: '--enable-source-maps',
      });
    },
  );

  it('log to their own log groups with a retention', () => {
    for (const [, props] of functions) {
      expect(props.LoggingConfig).toEqual({ LogGroup: { Ref: expect.any(String) } });
    }
    for (const [, props] of resources(template, 'AWS::Logs::LogGroup')) {
      expect(props.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('give the worker a timeout above the longest attempt a request may ask for', () => {
    expect(timeoutOf(ids.worker)).toBe(WORKER_TIMEOUT.toSeconds());
    expect(timeoutOf(ids.worker) * 1000).toBeGreaterThanOrEqual(LIMITS.maxTimeoutMs + 30_000);
    expect(timeoutOf(ids.worker)).toBe(90);
    expect(timeoutOf(ids.sweeper)).toBeLessThan(60);
  });

  it('runs the sweeper every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(ids.sweeper) })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: arnOf(ids.sweeper),
      Principal: 'events.amazonaws.com',
    });
  });
});

describe('worker event source', () => {
  it('reads the standard queue in batches of 10 and the ordered queue one message at a time, reporting partial batch failures and capping concurrency', () => {
    const mappings = resources(template, 'AWS::Lambda::EventSourceMapping').map(([, props]) => props);
    expect(mappings).toHaveLength(2);
    expect(mappings).toEqual(
      expect.arrayContaining([
        {
          EventSourceArn: arnOf(ids.queue),
          FunctionName: { Ref: ids.worker },
          BatchSize: 10,
          MaximumBatchingWindowInSeconds: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 20 },
        },
        {
          EventSourceArn: arnOf(ids.orderedQueue),
          FunctionName: { Ref: ids.worker },
          BatchSize: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: 20 },
        },
      ]),
    );
  });

  it('takes its concurrency cap from context', () => {
    const { template: t } = synthesize({ workerMaxConcurrency: '50' });
    const mappings = resources(t, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.map(([, props]) => props.ScalingConfig)).toEqual([
      { MaximumConcurrency: 50 },
      { MaximumConcurrency: 50 },
    ]);
  });
});

describe('queues', () => {
  const queue = propsOf(ids.queue);
  const dlq = propsOf(ids.dlq);

  it('redrive poison messages to the DLQ after five receives', () => {
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: arnOf(ids.dlq), maxReceiveCount: MAX_RECEIVE_COUNT });
    expect(MAX_RECEIVE_COUNT).toBe(5);
  });

  it('keep a visibility timeout at least six times the worker timeout', () => {
    expect(queue.VisibilityTimeout).toBe(QUEUE_VISIBILITY_TIMEOUT.toSeconds());
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeoutOf(ids.worker));
  });

  it('retain messages 4 days, the DLQ 14', () => {
    expect(queue.MessageRetentionPeriod).toBe(4 * 24 * 3600);
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('are encrypted and refuse plain HTTP', () => {
    for (const id of [ids.queue, ids.dlq, ids.orderedQueue]) {
      expect(propsOf(id).SqsManagedSseEnabled).toBe(true);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('have generated names', () => {
    expect(queue).not.toHaveProperty('QueueName');
    expect(dlq).not.toHaveProperty('QueueName');
  });

  it('keep keyed notifications in a high-throughput FIFO queue without a dead-letter queue (a held head keeps its place however often it is received), that the worker never sends to', () => {
    // Exact properties: FIFO settings, no fixed name (CloudFormation generates one ending in .fifo).
    expect(propsOf(ids.orderedQueue)).toEqual({
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: ORDERED_QUEUE.visibilityTimeoutSeconds,
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    expect(propsOf(ids.orderedQueue)).not.toHaveProperty('RedrivePolicy');
    // The delivery queue is the only one any queue redrives to.
    const redriven = resources(template, 'AWS::SQS::Queue').flatMap(([, p]) =>
      p.RedrivePolicy ? [p.RedrivePolicy] : [],
    );
    expect(redriven).toEqual([{ deadLetterTargetArn: arnOf(ids.dlq), maxReceiveCount: MAX_RECEIVE_COUNT }]);
    // Lambda refuses an event source whose queue's visibility timeout is below the function's timeout.
    expect(ORDERED_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * timeoutOf(ids.worker));
    // The worker postpones an ordered message (ChangeMessageVisibility) rather than re-sending it.
    const workerSendsTo = statementsOfRole(template, roleOf(ids.worker))
      .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
      .flatMap(resourcesOf);
    expect(workerSendsTo).toEqual([arnOf(ids.queue)]);
  });
});

describe('table', () => {
  it('uses the key schema and indexes of table-schema.ts', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: KEY.partition, KeyType: 'HASH' },
        { AttributeName: KEY.sort, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [CREATED_INDEX, FAILED_INDEX].map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partition, KeyType: 'HASH' },
          { AttributeName: index.sort, KeyType: 'RANGE' },
        ],
        Projection:
          index.projected.length === 0
            ? { ProjectionType: 'KEYS_ONLY' }
            : { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projected] },
      })),
    });
  });

  it('matches the table the local AWS mode creates (create-table.ts), so tests run on the deployed shape', () => {
    const local = heraldTableDefinition('local');
    const deployed = propsOf(ids.table);
    expect(deployed.KeySchema).toEqual(local.KeySchema);
    expect(deployed.AttributeDefinitions).toEqual(local.AttributeDefinitions);
    expect(deployed.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    expect(deployed.BillingMode).toBe(local.BillingMode);
  });

  it('is on-demand, encrypted, with PITR, TTL and deletion protection, and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
    expect(propsOf(ids.table)).not.toHaveProperty('TableName');
  });
});

describe('IAM', () => {
  const dataStatements = (fnId: string) =>
    statementsOfRole(template, roleOf(fnId)).filter((s) =>
      actionsOf(s).some((a) => /^(dynamodb|sqs|secretsmanager|s3):/.test(a)),
    );
  const grants = (fnId: string) =>
    dataStatements(fnId).flatMap((s) =>
      actionsOf(s).flatMap((action) => resourcesOf(s).map((resource) => ({ action, resource }))),
    );
  const grantSet = (fnId: string) => new Set(grants(fnId).map((g) => `${g.action} ${JSON.stringify(g.resource)}`));
  const expected = (actions: string[], on: unknown[]) =>
    new Set(actions.flatMap((action) => on.map((resource) => `${action} ${JSON.stringify(resource)}`)));

  const table = arnOf(ids.table);
  const queue = arnOf(ids.queue);
  const orderedQueue = arnOf(ids.orderedQueue);
  const signingSecret = { Ref: ids.signingSecret };
  const secretsKey = { Ref: ids.secretsKey };
  const indexes = [indexArn(CREATED_INDEX.name), indexArn(FAILED_INDEX.name)];

  it('grants no data action on a wildcard resource but the body bucket\u2019s objects, and nothing on either DLQ but to the sweeper', () => {
    for (const fnId of [ids.ingest, ids.worker, ids.sweeper]) {
      for (const s of statementsOfRole(template, roleOf(fnId))) {
        expect(s.Effect).toBe('Allow');
        for (const resource of resourcesOf(s)) {
          if (JSON.stringify(resource) === JSON.stringify(bodyObjects)) continue;
          expect(JSON.stringify(resource)).not.toMatch(/\*/);
          if (fnId === ids.sweeper) continue;
          expect(resource).not.toEqual(arnOf(ids.dlq));
        }
        for (const action of actionsOf(s)) expect(action).not.toMatch(/\*/);
      }
    }
  });

  it('uses no managed policies (no account-wide log permissions)', () => {
    for (const [, props] of resources(template, 'AWS::IAM::Role')) {
      expect(props).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  it('lets each function write only to its own log group', () => {
    for (const fnId of [ids.ingest, ids.worker, ids.sweeper]) {
      const logStatements = statementsOfRole(template, roleOf(fnId)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('logs:')),
      );
      const logGroup = (propsOf(fnId).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(logStatements).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logGroup) },
      ]);
    }
  });

  it('gives ingest the item, query and scan actions on the table and its indexes, SendMessage and the depth of both queues, and puts and reads of body objects', () => {
    expect(grantSet(ids.ingest)).toEqual(
      new Set([
        ...expected(
          ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
          [table, ...indexes],
        ),
        ...expected(['sqs:SendMessage', 'sqs:GetQueueAttributes'], [queue, orderedQueue]),
        ...expected(['s3:PutObject', 's3:GetObject'], [bodyObjects]),
        ...expected(['secretsmanager:GetSecretValue'], [signingSecret, secretsKey]),
      ]),
    );
  });

  it('gives the worker its item actions on the table, SendMessage on the standard queue, both event sources their consume actions, the signing secret, and reads and writes of body objects', () => {
    expect(grantSet(ids.worker)).toEqual(
      new Set([
        ...expected(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], [table]),
        ...expected(['sqs:SendMessage'], [queue]),
        ...expected(
          [
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueAttributes',
            'sqs:GetQueueUrl',
          ],
          [queue, orderedQueue],
        ),
        ...expected(['secretsmanager:GetSecretValue'], [signingSecret, secretsKey]),
        ...expected(['s3:PutObject', 's3:GetObject'], [bodyObjects]),
      ]),
    );
  });

  it('lets the worker put whole items only in the destinations partition', () => {
    const puts = statementsOfRole(template, roleOf(ids.worker)).filter((s) =>
      actionsOf(s).includes('dynamodb:PutItem'),
    );
    expect(puts).toHaveLength(1);
    expect((puts[0] as { Condition?: unknown } | undefined)?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [DESTINATION_PARTITION] },
    });
  });

  it('lets the worker update items only in the notifications\u2019 partitions', () => {
    const updates = statementsOfRole(template, roleOf(ids.worker)).filter((s) =>
      actionsOf(s).includes('dynamodb:UpdateItem'),
    );
    expect(updates).toHaveLength(1);
    expect((updates[0] as { Condition?: unknown } | undefined)?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [notificationKey('*')] },
    });
  });

  it("lets the sweeper query the table in the recoveries' partition and a notification's (store.get), no other", () => {
    const tableQueries = statementsOfRole(template, roleOf(ids.sweeper)).filter(
      (s) =>
        actionsOf(s).includes('dynamodb:Query') &&
        resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(table)),
    );
    const mayQuery = (partition: string) => tableQueries.some((s) => leadingKeyAllowed(s, partition));
    // The running recovery jobs; and DynamoDbStore.get, one Query of the notification's partition,
    // which the sweep of stale PENDING notifications and the DLQ redrive make for every id they take.
    expect(mayQuery(RECOVERY_PARTITION)).toBe(true);
    expect(mayQuery(notificationKey('0190a4c2-7b1e-7c3d-8e4f-0123456789ab'))).toBe(true);
    expect(mayQuery(DESTINATION_PARTITION)).toBe(false);
    expect(mayQuery('DSECRETS#https://vendor.example')).toBe(false);
  });

  it('lets only the worker and ingest read the signing secret and the secrets key, and only with GetSecretValue', () => {
    const secretGrants = (fnId: string) =>
      grants(fnId)
        .filter((g) => g.action.startsWith('secretsmanager:'))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const both = [
      { action: 'secretsmanager:GetSecretValue', resource: secretsKey },
      { action: 'secretsmanager:GetSecretValue', resource: signingSecret },
    ];
    expect(secretGrants(ids.worker)).toEqual(both);
    expect(secretGrants(ids.ingest)).toEqual(both);
    expect(secretGrants(ids.sweeper)).toEqual([]);
    // No statement elsewhere in the stack grants anything on it either (no resource policy, no KMS key).
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });

  it('lets the sweeper query the two indexes listStalePending reads and the recoveries partition, send to both queues, take messages from the DLQ, and nothing else (no body object)', () => {
    expect(grantSet(ids.sweeper)).toEqual(
      new Set([
        ...expected(['dynamodb:Query'], [indexArn(CREATED_INDEX.name), indexArn(FAILED_INDEX.name), table]),
        ...expected(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], [table]),
        ...expected(['sqs:SendMessage'], [queue, orderedQueue]),
        ...expected(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'], [arnOf(ids.dlq)]),
      ]),
    );
  });
});

/**
 * Whether an IAM statement's `dynamodb:LeadingKeys` condition (ForAllValues, StringEquals or
 * StringLike with `*`) admits a request on `partition`; a statement without one admits any.
 */
function leadingKeyAllowed(statement: unknown, partition: string): boolean {
  const condition = (statement as { Condition?: Record<string, Record<string, string[]>> }).Condition;
  if (condition === undefined) return true;
  return Object.entries(condition).every(([operator, keys]) => {
    const patterns = keys['dynamodb:LeadingKeys'] ?? [];
    if (operator === 'ForAllValues:StringEquals') return patterns.includes(partition);
    if (operator === 'ForAllValues:StringLike') {
      return patterns.some((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`).test(partition));
    }
    throw new Error(`condition operator ${operator} is not understood by this test`);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('body bucket', () => {
  const bucket = template.toJSON().Resources[ids.bucket];
  const s3Grants = (fnId: string) =>
    statementsOfRole(template, (propsOf(fnId).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0])
      .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
      .map((s) => ({ actions: actionsOf(s).sort(), resources: resourcesOf(s) }));

  it('expires objects a week after the table\u2019s TTL has expired their records, and keeps no versions', () => {
    expect(BODY_OBJECT_RETENTION_DAYS).toBe(RETENTION_DAYS + 7);
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      Rules: [{ Id: 'ExpireWithTheirRecords', ExpirationInDays: BODY_OBJECT_RETENTION_DAYS, Status: 'Enabled' }],
    });
    expect(bucket.Properties).not.toHaveProperty('VersioningConfiguration');
  });

  it('is encrypted, private, owner-enforced and refuses plain HTTP', () => {
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has a generated name, is retained with the stack like the table, and its name is an output', () => {
    expect(bucket.Properties).not.toHaveProperty('BucketName');
    expect(bucket.DeletionPolicy).toBe('Retain');
    template.hasOutput('BodyBucketName', { Value: { Ref: ids.bucket } });
  });

  it('lets ingest and the worker put (a renewal writes a body again) and read objects, the sweeper nothing, and no one list or delete', () => {
    expect(s3Grants(ids.ingest)).toEqual([{ actions: ['s3:GetObject', 's3:PutObject'], resources: [bodyObjects] }]);
    expect(s3Grants(ids.worker)).toEqual([{ actions: ['s3:GetObject', 's3:PutObject'], resources: [bodyObjects] }]);
    expect(s3Grants(ids.sweeper)).toEqual([]);
    // Nor does a statement of the bucket's own policy allow anything.
    const bucketPolicy = onlyResource(template, 'AWS::S3::BucketPolicy').PolicyDocument as {
      Statement: { Effect: string }[];
    };
    expect(bucketPolicy.Statement.map((s) => s.Effect)).toEqual(['Deny']);
  });
});

describe('signing secret', () => {
  const secret = template.toJSON().Resources[ids.signingSecret];

  it('is generated at deploy time as 44 letters and digits (base64 of 33 bytes), never a literal', () => {
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 44,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    expect(secret.Properties).not.toHaveProperty('SecretString');
    expect(JSON.stringify(template.toJSON())).not.toMatch(/whsec_[A-Za-z0-9+/]{8}/);
  });

  it('has a generated name, is retained with the stack, and its ARN is an output', () => {
    expect(secret.Properties).not.toHaveProperty('Name');
    expect(secret.DeletionPolicy).toBe('Retain');
    template.hasOutput('SigningSecretArn', { Value: { Ref: ids.signingSecret } });
  });
});

describe('secrets key', () => {
  const secret = template.toJSON().Resources[ids.secretsKey];

  it('is generated at deploy time (64 letters and digits, the key derived from them), never a literal', () => {
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
    });
    expect(secret.Properties).not.toHaveProperty('SecretString');
    expect(secret.Properties).not.toHaveProperty('Name');
  });

  it('is retained with the stack (the secrets sealed under it outlive any deploy), and its ARN is an output', () => {
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.UpdateReplacePolicy).toBe('Retain');
    template.hasOutput('SecretsKeyArn', { Value: { Ref: ids.secretsKey } });
  });
});

describe('HTTP API', () => {
  it('serves exactly the routes of docs/api/openapi.json, each behind IAM authorization', () => {
    const routes = resources(template, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, p]) => p.RouteKey).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(routes.map(([, p]) => p.RouteKey)).toEqual(
      expect.arrayContaining([
        'POST /v1/notifications',
        'GET /v1/notifications',
        'GET /v1/notifications/{id}',
        'GET /v1/notifications/{id}/attempts',
        'POST /v1/notifications/{id}/retry',
        'GET /healthz',
      ]),
    );
    for (const [, props] of routes) expect(props.AuthorizationType).toBe('AWS_IAM');
  });

  it('integrates every route with the ingest function, payload format 2.0', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: arnOf(ids.ingest),
      PayloadFormatVersion: '2.0',
    });
  });

  it('throttles and writes JSON access logs on its $default stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = onlyResource(template, 'AWS::ApiGatewayV2::Stage');
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    const logs = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(logs.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(JSON.parse(logs.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });
});

describe('monitoring', () => {
  const alarms = resources(template, 'AWS::CloudWatch::Alarm');
  const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  const alarmOn = (namespace: string, metricName: string) =>
    alarms.filter(([, p]) => p.Namespace === namespace && p.MetricName === metricName).map(([, p]) => p);
  const oneAlarmOn = (namespace: string, metricName: string) => {
    const found = alarmOn(namespace, metricName);
    expect(found).toHaveLength(1);
    return found[0] as Record<string, unknown>;
  };

  it('alarms on any message in the DLQ, visible or hidden (the sweeper hides what it leaves for an operator)', () => {
    const depthAlarms = alarms.filter(([, p]) => Array.isArray(p.Metrics)).map(([, p]) => p);
    expect(depthAlarms).toHaveLength(1);
    const onQueue = (dlq: string, metricName: string) => ({
      Id: expect.any(String),
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SQS',
          MetricName: metricName,
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
        },
        Period: 60,
        Stat: 'Maximum',
      },
    });
    expect(depthAlarms).toEqual(
      expect.arrayContaining(
        [ids.dlq].map((dlq) =>
          expect.objectContaining({
            Metrics: expect.arrayContaining([
              expect.objectContaining({ Expression: 'visible + hidden' }),
              onQueue(dlq, 'ApproximateNumberOfMessagesVisible'),
              onQueue(dlq, 'ApproximateNumberOfMessagesNotVisible'),
            ]),
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            Threshold: 1,
          }),
        ),
      ),
    );
  });

  it('alarms on the age of the oldest delivery message, and of the oldest ordered one (its queue has no DLQ)', () => {
    const ageAlarms = alarmOn('AWS/SQS', 'ApproximateAgeOfOldestMessage');
    const onQueue = (id: string) =>
      ageAlarms.find(
        (p) =>
          JSON.stringify(p.Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }]),
      );
    expect(ageAlarms).toHaveLength(2);
    // Above the 15-minute maximum SQS delay a re-sent retry may carry.
    expect(onQueue(ids.queue)?.Threshold).toBeGreaterThan(15 * 60);
    // Hours, well inside the ordered queue's retention: a line held that long is worth a look.
    expect(onQueue(ids.orderedQueue)?.Threshold).toBe(ORDERED_AGE_ALARM_SECONDS);
    expect(ORDERED_AGE_ALARM_SECONDS).toBeLessThan(ORDERED_QUEUE.retentionDays * 24 * 3600);
  });

  it('alarms on worker errors and throttles, and on sweeper errors', () => {
    const onFunction = (metric: string) =>
      alarmOn('AWS/Lambda', metric).map((p) => (p.Dimensions as Array<{ Value: unknown }>)[0]?.Value);
    expect(onFunction('Errors')).toEqual(expect.arrayContaining([{ Ref: ids.worker }, { Ref: ids.sweeper }]));
    expect(onFunction('Throttles')).toEqual([{ Ref: ids.worker }]);
  });

  it('alarms on API 5xx', () => {
    expect(oneAlarmOn('AWS/ApiGateway', '5xx').Threshold).toBe(5);
  });

  it('sends every alarm and its recovery to the SNS topic, which refuses plain HTTP', () => {
    expect(alarms).toHaveLength(7);
    for (const [, props] of alarms) {
      expect(props.AlarmActions).toEqual([{ Ref: topic }]);
      expect(props.OKActions).toEqual([{ Ref: topic }]);
      expect(props.TreatMissingData).toBe('notBreaching');
      expect(props.AlarmDescription).toEqual(expect.any(String));
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes an e-mail address given by context', () => {
    const { template: t } = synthesize({ alarmEmail: 'oncall@example.com' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('draws the handlers\u2019 EMF metrics on the dashboard', () => {
    const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard).not.toHaveProperty('DashboardName');
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const metric of [
      'NotificationsAccepted',
      'NotificationsDelivered',
      'NotificationsFailed',
      'DeliveryRetriesScheduled',
      'DeliveryLatency',
      'AttemptResponseTime',
    ]) {
      expect(body).toContain(`\\"${METRICS_NAMESPACE}\\",\\"${metric}\\",\\"service\\",\\"herald\\"`);
    }
  });
});

describe('settings from context', () => {
  it('reach the functions environment', () => {
    const { template: t } = synthesize({ maxAttempts: '5', attemptTimeoutMs: 30000 });
    for (const [, props] of resources(t, 'AWS::Lambda::Function')) {
      expect(props.Environment).toMatchObject({
        Variables: { HERALD_MAX_ATTEMPTS: '5', HERALD_ATTEMPT_TIMEOUT_MS: '30000' },
      });
    }
  });

  it("reach the rotation window of a receiver's key, 0 (an immediate cut) included", () => {
    const { template: t } = synthesize({ signingRotationHours: 0 });
    for (const [, props] of resources(t, 'AWS::Lambda::Function')) {
      expect(props.Environment).toMatchObject({ Variables: { HERALD_SIGNING_ROTATION_HOURS: '0' } });
    }
    expect(() => synthesize({ signingRotationHours: 8761 })).toThrow(/signingRotationHours/);
    expect(() => synthesize({ signingRotationHours: -1 })).toThrow(/signingRotationHours/);
  });

  it('fail synth with a message naming the bad key', () => {
    expect(() => synthesize({ maxAttempts: 'eight' })).toThrow(/maxAttempts/);
    expect(() => synthesize({ attemptTimeoutMs: 120000 })).toThrow(/attemptTimeoutMs/);
    expect(() => synthesize({ maxAttempts: 26 })).toThrow(/maxAttempts must be at most 25/);
    expect(() => synthesize({ workerMaxConcurrency: 1 })).toThrow(/workerMaxConcurrency/);
    expect(() => synthesize({ alarmEmail: 'nobody' })).toThrow(/alarmEmail/);
  });
});
