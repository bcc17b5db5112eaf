import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import type { BatchSummary } from '../../src/entrypoints/local/event-source-poller.js';
import {
  awsInternalError,
  localDynamoDbClient,
  localS3Client,
  localSqsClient,
  storedItemCount,
} from '../helpers/aws-engines.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { largeBodies, makeNotification } from '../helpers/notifications.js';
import { queueCounts, waitForIdleQueue } from '../helpers/queue-counts.js';
import { notificationIdOf, TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * S3 failing under large bodies, through the real Lambda handlers on aws-local: faults are SDK
 * middleware on the handlers' own S3 client, at the initialize step (before the SDK's retries), so an
 * injected error reaches Herald as it would once the SDK had given up. A visibility timeout of 1 s
 * brings a message left for redelivery back quickly; the sweeper's schedule is effectively off.
 */

interface Fault {
  command: string;
  key: string;
  hits: number;
}

let local: AwsLocal;
let vendor: Vendor;
let herald: HeraldClient;
let probeSqs: SQSClient;
let probeDynamoDb: DynamoDBClient;
let probeS3: S3Client;
const faults: Fault[] = [];
const batches: BatchSummary[] = [];
/** Every call of this command fails while set, as for a role without the permission. */
let denied: string | undefined;

/** Fails the next call of `command` (PutObjectCommand, GetObjectCommand) on an object of notification `id`. */
function inject(command: string, id: string): Fault {
  const fault = { command, key: `${id}/`, hits: 0 };
  faults.push(fault);
  return fault;
}

/** Items of notification `id` in the table, and objects of it in the bucket: read around Herald. */
async function stored(id: string): Promise<{ items: number; objects: number }> {
  const [items, objects] = await Promise.all([
    storedItemCount(probeDynamoDb, local.tableName, id),
    probeS3.send(new ListObjectsV2Command({ Bucket: local.bodyBucket, Prefix: `${id}/` })),
  ]);
  return { items, objects: objects.KeyCount ?? 0 };
}

beforeAll(async () => {
  vendor = await startVendor();
  local = await startAwsLocal({
    ...TEST_ENV,
    HERALD_LOCAL_VISIBILITY_TIMEOUT_S: '1',
    HERALD_LOCAL_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000),
  });
  (await local.runtime.clients.s3.get()).middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === denied) {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      }
      const key = String((args.input as { Key?: unknown }).Key ?? '');
      const index = faults.findIndex((f) => f.hits === 0 && f.command === context.commandName && key.startsWith(f.key));
      const fault = faults[index];
      if (fault) {
        fault.hits += 1;
        throw awsInternalError();
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectFault' },
  );
  local.onBatch((summary) => batches.push(summary));
  herald = new HeraldClient(local.url);
  probeSqs = localSqsClient(local.endpoints.sqs);
  probeDynamoDb = localDynamoDbClient(local.endpoints.dynamoDb);
  probeS3 = localS3Client(local.endpoints.s3);
});

afterAll(async () => {
  await local?.stop();
  probeSqs?.destroy();
  probeDynamoDb?.destroy();
  probeS3?.destroy();
  await vendor?.close();
});

describe('AWS mode under S3 failures, with bodies over 8 KiB (Lambda handlers on aws-local)', () => {
  it('answers 503 SYSTEM_ERROR when S3 cannot take the body at ingest, and stores and sends nothing', async () => {
    const [{ body }] = largeBodies(64 * 1024);
    const key = `s3-down-at-ingest-${randomUUID()}`;
    const id = notificationIdOf(key);
    const fault = inject('PutObjectCommand', id);

    const res = await herald.send({ url: `${vendor.url}/ok`, body }, { 'Idempotency-Key': key });

    expect(fault.hits).toBe(1);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('SYSTEM_ERROR');
    expect(await stored(id)).toEqual({ items: 0, objects: 0 });
    expect((await herald.get(id)).status).toBe(404);
    expect(await queueCounts(probeSqs, local.queues.queueUrl)).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });

    // The caller's retry, once S3 answers again, is stored whole and delivered.
    const retried = await herald.send({ url: `${vendor.url}/ok`, body }, { 'Idempotency-Key': key });
    expect(retried.status).toBe(202);
    expect((await herald.waitForStatus(id, ['SUCCESS', 'FAILED'])).status).toBe('SUCCESS');
    expect(await stored(id)).toMatchObject({ objects: 1 });
    expect(vendor.requestsFor(id).map((r) => r.bytes.equals(Buffer.from(body as string, 'utf8')))).toEqual([true]);
  });

  it('leaves the message for redelivery when S3 cannot give the body at delivery: the next receive delivers it, no attempt spent', async () => {
    const [{ body }] = largeBodies(64 * 1024);
    const key = `s3-down-at-delivery-${randomUUID()}`;
    const id = notificationIdOf(key);
    const fault = inject('GetObjectCommand', id);

    const res = await herald.send({ url: `${vendor.url}/ok`, body }, { 'Idempotency-Key': key });
    expect(res.status).toBe(202);
    // Nothing here reads the notification before the worker's first claim has met the fault.
    await waitFor(() => (fault.hits === 1 ? true : undefined), { what: 'the worker to meet the S3 fault' });
    await waitFor(() => (vendor.requestsFor(id).length > 0 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the delivery after the message came back',
    });
    await waitForIdleQueue(probeSqs, local.queues.queueUrl, 20_000);

    const receives = batches.flatMap((b) =>
      b.records.filter((r) => r.body === id).map((r) => ({ ...r, failed: b.failedMessageIds.includes(r.messageId) })),
    );
    expect(receives.map(({ receiveCount, failed }) => ({ receiveCount, failed }))).toEqual([
      { receiveCount: 1, failed: true },
      { receiveCount: 2, failed: false },
    ]);
    const done = await herald.get(id);
    expect(done.body).toMatchObject({ status: 'SUCCESS', attempts: 1, body });
    const history = await herald.call('GET', `/v1/notifications/${id}/attempts`);
    expect(history.body.attempts.map((a: { category: string }) => a.category)).toEqual(['SUCCESS']);
    expect(vendor.requestsFor(id).map((r) => r.bytes.equals(Buffer.from(body as string, 'utf8')))).toEqual([true]);
  });

  it('sweeps a large notification left PENDING without reading its body, as the sweeper (no S3 permission) must', async () => {
    // Stored as an ingest whose send then failed leaves it: PENDING, its body in S3, no message.
    const [large] = largeBodies(20 * 1024);
    const stranded = makeNotification({ url: `${vendor.url}/ok`, body: large?.body });
    expect(await local.runtime.deps.store.insert(stranded)).toEqual({ inserted: true });
    denied = 'GetObjectCommand';
    try {
      expect(await local.sweep({ staleAfterMs: 0 })).toEqual({ enqueued: 1 });
    } finally {
      denied = undefined;
    }
    expect(await herald.waitForStatus(stranded.id, ['SUCCESS'], 20_000)).toMatchObject({ body: large?.body });
  });

  it('runs a bulk recovery of large notifications without reading one body, as the sweeper (no S3 permission) must', async () => {
    const since = new Date().toISOString();
    const bodies = largeBodies(20 * 1024).map((large) => large.body);
    // The first attempt of each is refused (503) and spends its only one: FAILED.
    const sent = await Promise.all(
      bodies.map((body) => herald.send({ url: `${vendor.url}/fail-first/1`, maxAttempts: 1, body })),
    );
    const ids: string[] = sent.map((r) => r.body.id);
    for (const id of ids) expect((await herald.waitForStatus(id, ['FAILED', 'SUCCESS'])).status).toBe('FAILED');

    const started = await herald.call('POST', '/v1/recoveries', {
      json: { status: 'FAILED', destination: vendor.url, createdAfter: since },
    });
    expect(started.status).toBe(202);
    denied = 'GetObjectCommand';
    try {
      expect(await local.sweep()).toMatchObject({ recovered: ids.length });
    } finally {
      denied = undefined;
    }
    const job = await herald.call('GET', `/v1/recoveries/${started.body.id}`);
    expect(job.body).toMatchObject({ state: 'DONE', matched: ids.length, retried: ids.length, skipped: 0 });

    // Delivered once S3 answers the worker (a claim it was refused came back after its visibility timeout).
    for (const [i, id] of ids.entries()) {
      const done = await herald.waitForStatus(id, ['SUCCESS'], 20_000);
      expect(done).toMatchObject({ attempts: 2, body: bodies[i] });
    }
  });
});
