import { afterAll, describe, expect, it } from 'vitest';
import { heraldTableDefinition } from '../../src/adapters/dynamodb/create-table.js';
import { ConfigError } from '../../src/config.js';
import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import { AwsCallMeter, sumOf } from '../helpers/aws-call-meter.js';
import { localSqsClient } from '../helpers/aws-engines.js';
import { startAwsLocalService as startDedicatedAwsLocal } from '../helpers/aws-local-service.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { largeBodies } from '../helpers/notifications.js';
import { waitForIdleQueue } from '../helpers/queue-counts.js';
import { type StartService, TEST_ENV } from '../helpers/services.js';
import { type SpawnedHerald, spawnService } from '../helpers/spawned-herald.js';
import { startVendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';
import { describeDeliveryE2E } from './delivery.suite.js';
import { describeOwnKeySigningE2E, describeSignedDeliveryE2E } from './signed-delivery.suite.js';

// One aws-local for the file: the shared suites and the cost measurement use the same instance (the
// meter counts its clients), stopped when the file is done.
const meter = new AwsCallMeter();
let running: Promise<AwsLocal> | undefined;

function awsLocal(): Promise<AwsLocal> {
  running ??= startAwsLocal({ ...TEST_ENV }).then(async (local) => {
    meter.registerTable(heraldTableDefinition(local.tableName));
    meter
      .attach(local.runtime.clients.dynamoDb)
      .attach(local.runtime.clients.sqs)
      .attach(await local.runtime.clients.s3.get())
      .attach(local.eventSourceSqs);
    return local;
  });
  return running;
}

afterAll(async () => {
  await (await running)?.stop();
});

const startAwsLocalService: StartService = async (env = {}) => {
  if (Object.keys(env).length > 0) throw new Error('this file shares one aws-local, with TEST_ENV');
  const local = await awsLocal();
  return { baseUrl: local.url, stop: async () => {} };
};

describeDeliveryE2E('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalService);
// The handlers sign with HERALD_SIGNING_SECRETS from TEST_ENV: start:aws-local has no Secrets Manager.
describeSignedDeliveryE2E('aws-local: Lambda handlers on dynalite + fauxqs', startAwsLocalService);
// Settings of its own: an instance of its own.
describeOwnKeySigningE2E('aws-local: Lambda handlers on dynalite + fauxqs', startDedicatedAwsLocal);

describe('aws-local: signing secrets', () => {
  it('refuses HERALD_SIGNING_SECRET_ARN before starting anything, pointing at HERALD_SIGNING_SECRETS', async () => {
    const starting = startAwsLocal({
      ...TEST_ENV,
      HERALD_SIGNING_SECRETS: '',
      HERALD_SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:herald-AbCdEf',
    });
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(/HERALD_SIGNING_SECRET_ARN[^\n]*HERALD_SIGNING_SECRETS/);
  });

  it('refuses HERALD_SECRETS_KEY_ARN before starting anything, pointing at HERALD_SECRETS_KEY', async () => {
    const starting = startAwsLocal({
      ...TEST_ENV,
      HERALD_SECRETS_KEY: '',
      HERALD_SECRETS_KEY_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:herald-key-AbCdEf',
    });
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(/HERALD_SECRETS_KEY_ARN[^\n]*HERALD_SECRETS_KEY/);
  });
});

describe('aws-local: AWS calls per delivered notification', () => {
  it('delivers 1 KB notifications with one SQS send, three DynamoDB writes and five write units each', async () => {
    const local = await awsLocal();
    const vendor = await startVendor();
    // Queue checks on a client of their own, so they are not counted.
    const probe = localSqsClient(local.endpoints.sqs);
    try {
      const herald = new HeraldClient(local.url);
      // One notification first, so the store's once-per-instance table-epoch write is not counted
      // against the twenty (it does not recur per notification).
      const warmUp = await herald.send({ url: `${vendor.url}/ok` });
      await waitFor(() => (vendor.requestsFor(warmUp.body.id).length > 0 ? true : undefined), {
        what: 'the warm-up delivery',
      });
      await waitForIdleQueue(probe, local.queues.queueUrl, 20_000);
      meter.reset();

      const count = 20;
      const body = 'x'.repeat(1024);
      const sent = await Promise.all(
        Array.from({ length: count }, () => herald.send({ url: `${vendor.url}/ok`, body })),
      );
      expect(sent.map((r) => r.status)).toEqual(Array(count).fill(202));
      const ids: string[] = sent.map((r) => r.body.id);
      // Wait on the vendor and the queue rather than polling GET, which would add reads to the count.
      await waitFor(() => (ids.every((id) => vendor.requestsFor(id).length > 0) ? true : undefined), {
        timeoutMs: 20_000,
        what: 'the vendor to receive every notification',
      });
      await waitForIdleQueue(probe, local.queues.queueUrl, 20_000);
      const cost = meter.snapshot();

      for (const id of ids) expect((await herald.get(id)).body).toMatchObject({ status: 'SUCCESS', attempts: 1 });
      expect(ids.map((id) => vendor.requestsFor(id).length)).toEqual(Array(count).fill(1));

      const per = (n: number) => Number((n / count).toFixed(2));
      const dynamoDbWrites = sumOf(
        cost.calls,
        'DynamoDB.PutItem',
        'DynamoDB.UpdateItem',
        'DynamoDB.DeleteItem',
        'DynamoDB.BatchWriteItem',
      );
      const dynamoDbReads = sumOf(cost.calls, 'DynamoDB.GetItem', 'DynamoDB.Query', 'DynamoDB.BatchGetItem');
      const sqsRequests = Object.entries(cost.requests)
        .filter(([name]) => name.startsWith('SQS.'))
        .reduce((sum, [, n]) => sum + n, 0);
      const figures = {
        notifications: count,
        perNotification: {
          dynamoDbWriteCalls: per(dynamoDbWrites),
          dynamoDbReadCalls: per(dynamoDbReads),
          dynamoDbWriteUnits: per(cost.dynamoDb.computed.writeUnits),
          dynamoDbTableWriteUnits: per(cost.dynamoDb.computed.tableWriteUnits),
          dynamoDbIndexWriteUnits: per(cost.dynamoDb.computed.indexWriteUnits),
          dynamoDbWriteUnitsReportedByDynalite: per(cost.dynamoDb.reported.writeUnits),
          dynamoDbReadUnitsReportedByDynalite: per(cost.dynamoDb.reported.readUnits),
          sqsRequests: per(sqsRequests),
          sqsSendMessage: per(cost.calls['SQS.SendMessage'] ?? 0),
          sqsReceiveMessage: per(cost.calls['SQS.ReceiveMessage'] ?? 0),
          sqsDeleteMessageBatch: per(cost.calls['SQS.DeleteMessageBatch'] ?? 0),
        },
        calls: cost.calls,
        errors: cost.errors,
      };
      console.log(`aws-local cost of ${count} delivered 1 KB notifications:\n${JSON.stringify(figures, null, 2)}`);

      // By design (docs/design.md §3): one SendMessage, then PutItem of the REQUEST born QUEUED (no key,
      // so no markQueued); claim and the recorded attempt, each one UpdateItem of the STATE item; the
      // event source deletes in batches. Write units: REQUEST 2 + its index entry 1 + claim 1 + record 1.
      expect(cost.calls['SQS.SendMessage']).toBe(count);
      expect(cost.calls['DynamoDB.PutItem']).toBe(count);
      expect(dynamoDbWrites).toBe(3 * count);
      expect(cost.calls['DynamoDB.DeleteItem'] ?? 0).toBe(0);
      expect(cost.dynamoDb.computed.unmeasuredWrites).toBe(0);
      expect(cost.dynamoDb.computed.writeUnits).toBeLessThanOrEqual(5 * count);
      expect(cost.calls['SQS.DeleteMessageBatch'] ?? 0).toBeLessThanOrEqual(count);
      expect(cost.calls['SQS.DeleteMessage'] ?? 0).toBe(0);
      // A 1 KB body stays in the table.
      expect(sumOf(cost.calls, 'S3.PutObject', 'S3.GetObject')).toBe(0);
    } finally {
      probe.destroy();
      await vendor.close();
    }
  });

  it('delivers a 64 KB notification through S3: one PutObject at ingest, one GetObject at delivery, the bytes exact', async () => {
    const local = await awsLocal();
    const vendor = await startVendor();
    const probe = localSqsClient(local.endpoints.sqs);
    try {
      const herald = new HeraldClient(local.url);
      const [{ body }] = largeBodies(64 * 1024);
      // A small one first: its destination's record (written once per destination) is not counted.
      const warmUp = await herald.send({ url: `${vendor.url}/ok` });
      await waitFor(() => (vendor.requestsFor(warmUp.body.id).length > 0 ? true : undefined), { what: 'the warm-up' });
      await waitForIdleQueue(probe, local.queues.queueUrl, 20_000);
      meter.reset();

      const sent = await herald.send({ url: `${vendor.url}/ok`, body });
      expect(sent.status).toBe(202);
      const id: string = sent.body.id;
      await waitFor(() => (vendor.requestsFor(id).length > 0 ? true : undefined), { what: 'the delivery' });
      await waitForIdleQueue(probe, local.queues.queueUrl, 20_000);
      const cost = meter.snapshot();

      const [received] = vendor.requestsFor(id);
      expect(received?.bytes.equals(Buffer.from(body as string, 'utf8'))).toBe(true);
      expect(vendor.requestsFor(id)).toHaveLength(1);
      expect(cost.calls['S3.PutObject']).toBe(1);
      expect(cost.calls['S3.GetObject']).toBe(1);
      expect(cost.errors).toEqual({});
      // Without the body, the REQUEST item is one write unit: REQUEST 1 + index entry 1 + claim 1 + record 1.
      expect(cost.dynamoDb.computed.writeUnits).toBe(4);
      expect((await herald.get(id)).body).toMatchObject({ status: 'SUCCESS', attempts: 1, body });
    } finally {
      probe.destroy();
      await vendor.close();
    }
  });
});

describe('npm run start:aws-local', () => {
  it('serves, delivers (a 64 KB body through its s3rver too), and exits 0 on SIGTERM', async () => {
    const vendor = await startVendor();
    let child: SpawnedHerald | undefined;
    try {
      child = await spawnService(process.execPath, ['--import', 'tsx', 'src/entrypoints/local/aws-local.ts'], {
        HERALD_LOG_LEVEL: 'info',
      });
      const herald = child.client;
      expect(child.output()).toContain(`"url":"${herald.baseUrl}"`);
      expect(child.output()).toMatch(/"bodyBucket":"herald-local-bodies","s3Endpoint":"http:\/\/127\.0\.0\.1:\d+"/);

      const sent = await herald.send({ url: `${vendor.url}/ok`, body: 'from the CLI' });
      expect(sent.status).toBe(202);
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      const large = 'é'.repeat(32 * 1024);
      const sentLarge = await herald.send({ url: `${vendor.url}/ok`, body: large });
      await herald.waitForStatus(sentLarge.body.id, ['SUCCESS']);
      expect(vendor.requestsFor(sentLarge.body.id)[0]?.bytes.equals(Buffer.from(large, 'utf8'))).toBe(true);

      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      expect(child.output()).toContain('stopped');
    } finally {
      if (child?.process.exitCode === null) child.process.kill('SIGKILL');
      await vendor.close();
    }
  });
});
