import { randomUUID } from 'node:crypto';
import {
  type DynamoDBClient,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { META, notificationKey } from '../../src/adapters/dynamodb/table-schema.js';
import { DELIVERY_QUEUE } from '../../src/entrypoints/lambda/deployment.js';
import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import type { BatchSummary } from '../../src/entrypoints/local/event-source-poller.js';
import { toSqsRecord } from '../../src/entrypoints/local/event-source-poller.js';
import { lambdaContext } from '../../src/entrypoints/local/lambda-context.js';
import { awsInternalError, localDynamoDbClient, localSqsClient, storedItemCount } from '../helpers/aws-engines.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { makeNotification } from '../helpers/notifications.js';
import { queueCounts, waitForIdleQueue } from '../helpers/queue-counts.js';
import { notificationIdOf, TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Failures of DynamoDB and SQS, through the real Lambda handlers on aws-local: faults are SDK
 * middleware on the handlers' own clients, at the initialize step, i.e. before the SDK's retries, so
 * an injected error reaches Herald as it would once the SDK had given up.
 *
 * One aws-local for the file, shared by its tests: they run in order and the first one relies on
 * nothing having been sent yet. A visibility timeout of 1 s lets failed
 * messages come back quickly; the sweeper's schedule is effectively off, the tests run it themselves.
 */

const MAX_RECEIVE_COUNT = DELIVERY_QUEUE.maxReceiveCount;

interface Fault {
  command: string;
  when: (input: Record<string, unknown>) => boolean;
  error: () => Error;
  remaining: number;
  hits: number;
}

interface SeenCall {
  command: string;
  input: Record<string, unknown>;
}

let local: AwsLocal;
let vendor: Vendor;
let herald: HeraldClient;
let probeSqs: SQSClient;
let probeDynamoDb: DynamoDBClient;
const faults: Fault[] = [];
const seen: SeenCall[] = [];
const batches: BatchSummary[] = [];

/** Fails the next `times` calls of `command` whose input matches. */
function inject(command: string, error: () => Error, when: Fault['when'] = () => true, times = 1): Fault {
  const fault: Fault = { command, when, error, remaining: times, hits: 0 };
  faults.push(fault);
  return fault;
}

function faultMiddleware(client: DynamoDBClient | SQSClient): void {
  (client.middlewareStack as DynamoDBClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const input = args.input as unknown as Record<string, unknown>;
      seen.push({ command: String(context.commandName), input });
      const fault = faults.find((f) => f.remaining > 0 && f.command === context.commandName && f.when(input));
      if (fault) {
        fault.remaining -= 1;
        fault.hits += 1;
        throw fault.error();
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectFault' },
  );
}

/** How many items the table holds for notification `id` (a read of our own, not through Herald). */
const storedItems = (id: string) => storedItemCount(probeDynamoDb, local.tableName, id);

/** A put of a notification's item, not of a destination's (ingest records a new destination alongside). */
const isNotificationPut = (input: Record<string, unknown>) =>
  String((input.Item as { pk?: unknown } | undefined)?.pk ?? '').startsWith(notificationKey(''));

const callsOf = (command: string) => seen.filter((call) => call.command === command);
/** The key of a DocumentClient input (the middleware sees it before marshalling). */
const pkOf = (input: Record<string, unknown>) => (input.Key as { pk?: unknown } | undefined)?.pk;

beforeAll(async () => {
  vendor = await startVendor();
  local = await startAwsLocal({
    ...TEST_ENV,
    HERALD_LOCAL_VISIBILITY_TIMEOUT_S: '1',
    HERALD_LOCAL_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000),
  });
  faultMiddleware(local.runtime.clients.dynamoDb);
  faultMiddleware(local.runtime.clients.sqs);
  local.onBatch((summary) => batches.push(summary));
  herald = new HeraldClient(local.url);
  probeSqs = localSqsClient(local.endpoints.sqs);
  probeDynamoDb = localDynamoDbClient(local.endpoints.dynamoDb);
});

afterAll(async () => {
  await local?.stop();
  probeSqs?.destroy();
  probeDynamoDb?.destroy();
  await vendor?.close();
});

describe('AWS mode under DynamoDB and SQS failures (Lambda handlers on aws-local)', () => {
  it('answers 503 SYSTEM_ERROR when DynamoDB fails at ingest, and neither stores nor sends anything', async () => {
    const key = `dynamodb-down-${randomUUID()}`;
    const id = notificationIdOf(key);
    const fault = inject(
      'PutItemCommand',
      () => new InternalServerError({ message: 'Internal error', $metadata: {} }),
      isNotificationPut,
    );
    const sendsBefore = callsOf('SendMessageCommand').length;

    const res = await herald.send({ url: `${vendor.url}/ok` }, { 'Idempotency-Key': key });

    expect(fault.hits).toBe(1);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('SYSTEM_ERROR');
    expect((await herald.get(id)).status).toBe(404);
    expect(await storedItems(id)).toBe(0);
    expect(callsOf('SendMessageCommand').length).toBe(sendsBefore);
    expect(await queueCounts(probeSqs, local.queues.queueUrl)).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    expect(vendor.requestsFor(id)).toHaveLength(0);
  });

  it('without an idempotency key: 503 when DynamoDB fails at ingest; the message sent first is dropped by the worker', async () => {
    const fault = inject(
      'PutItemCommand',
      () => new InternalServerError({ message: 'Internal error', $metadata: {} }),
      isNotificationPut,
    );
    const sendsBefore = callsOf('SendMessageCommand').length;

    const res = await herald.send({ url: `${vendor.url}/ok` });

    expect(fault.hits).toBe(1);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('SYSTEM_ERROR');
    // The message went out before the put failed; the worker finds no record behind it, leaves it for
    // redelivery (in case the record was only late), and drops it on its third receive.
    expect(callsOf('SendMessageCommand').length).toBe(sendsBefore + 1);
    const id = String(callsOf('SendMessageCommand').at(-1)?.input.MessageBody);
    await waitForIdleQueue(probeSqs, local.queues.queueUrl);
    expect(callsOf('SendMessageCommand').length).toBe(sendsBefore + 1);
    // One claim per receive reads the REQUEST item, three receives in all.
    const claimReads = callsOf('GetItemCommand').filter((call) => pkOf(call.input) === notificationKey(id));
    expect(claimReads.length).toBeGreaterThanOrEqual(3);
    expect((await herald.get(id)).status).toBe(404);
    expect(await storedItems(id)).toBe(0);
    expect(vendor.requestsFor(id)).toHaveLength(0);
  });

  it('answers 202 PENDING when SQS fails at ingest; the record waits for the sweeper, which delivers it once', async () => {
    const fault = inject('SendMessageCommand', awsInternalError);

    const res = await herald.send({ url: `${vendor.url}/ok`, body: 'after the queue came back' });

    expect(fault.hits).toBe(1);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('PENDING');
    const id: string = res.body.id;
    expect((await herald.get(id)).body.status).toBe('PENDING');

    // The scheduled sweeper leaves a record younger than a minute alone: it may still be mid-ingest.
    expect(await local.sweep()).toEqual({ enqueued: 0, redriven: 0, recovered: 0 });
    expect((await herald.get(id)).body.status).toBe('PENDING');
    expect(vendor.requestsFor(id)).toHaveLength(0);

    // The same sweep once the record counts as stale (the handler's minute, shortened for the test).
    expect(await local.sweep({ staleAfterMs: 0 })).toEqual({ enqueued: 1 });
    const done = await herald.waitForStatus(id, ['SUCCESS', 'FAILED']);
    expect(done).toMatchObject({ status: 'SUCCESS', attempts: 1 });

    expect(await local.sweep({ staleAfterMs: 0 })).toEqual({ enqueued: 0 });
    await waitForIdleQueue(probeSqs, local.queues.queueUrl);
    expect(vendor.requestsFor(id)).toHaveLength(1);
  });

  it('finds a keyed notification whose send failed without the minute walk: its index lag cannot strand it', async () => {
    const fault = inject('SendMessageCommand', awsInternalError);
    const res = await herald.send({ url: `${vendor.url}/ok` }, { 'Idempotency-Key': `lagging-${randomUUID()}` });
    expect(fault.hits).toBe(1);
    expect(res.body.status).toBe('PENDING');
    const id: string = res.body.id;

    // As if the walk had passed its minute before its index entry was visible: the watermark is beyond it.
    await probeDynamoDb.send(
      new PutItemCommand({
        TableName: local.tableName,
        Item: {
          pk: { S: META.partition },
          sk: { S: META.swept },
          checkedBefore: { S: new Date(Date.now() + 60_000).toISOString() },
        },
      }),
    );
    expect(await local.sweep({ staleAfterMs: 0 })).toEqual({ enqueued: 1 });
    expect(await herald.waitForStatus(id, ['SUCCESS', 'FAILED'])).toMatchObject({ status: 'SUCCESS', attempts: 1 });
  });

  it('redelivers a message whose recorded outcome DynamoDB throttled, and records the lost attempt as INTERRUPTED', async () => {
    // The throttled notification shares a batch with another, so the worker answers with a partial
    // batch response rather than failing the whole batch.
    const throttled = makeNotification({ url: `${vendor.url}/ok` });
    const neighbour = makeNotification({ url: `${vendor.url}/ok` });
    for (const notification of [throttled, neighbour]) {
      expect(await local.runtime.deps.store.insert(notification)).toEqual({ inserted: true });
    }
    const fault = inject(
      'UpdateItemCommand',
      () =>
        new ProvisionedThroughputExceededException({
          message: 'Rate of requests exceeds the allowed throughput',
          $metadata: {},
        }),
      (input) => pkOf(input) === notificationKey(throttled.id) && String(input.UpdateExpression).includes('#history'),
    );
    // The claim of the first delivery is still held when the message comes back after 1 s. In AWS the
    // queue's visibility timeout (540 s) is far longer than the claim (90 s); this restores that order.
    const leaseMs = local.runtime.deps.leaseMs;
    local.runtime.deps.leaseMs = 500;
    try {
      await probeSqs.send(
        new SendMessageBatchCommand({
          QueueUrl: local.queues.queueUrl,
          Entries: [throttled, neighbour].map((n, i) => ({ Id: String(i), MessageBody: n.id })),
        }),
      );
      const done = await herald.waitForStatus(throttled.id, ['SUCCESS', 'FAILED']);
      await herald.waitForStatus(neighbour.id, ['SUCCESS']);

      expect(fault.hits).toBe(1);
      const withThrottled = batches.filter((b) => b.records.some((r) => r.body === throttled.id));
      const [first, second] = withThrottled;
      const messageId = first?.records.find((r) => r.body === throttled.id)?.messageId;
      expect(first?.error).toBeUndefined();
      expect(first?.records.map((r) => r.body).sort()).toEqual([throttled.id, neighbour.id].sort());
      expect(first?.failedMessageIds).toEqual([messageId]);
      expect(second?.records).toEqual([{ messageId, body: throttled.id, receiveCount: 2 }]);
      expect(second?.failedMessageIds).toEqual([]);

      // The first delivery reached the vendor but its outcome was never recorded: the next claim finds
      // the notification still PROCESSING and records that attempt as INTERRUPTED before its own.
      expect(done).toMatchObject({ status: 'SUCCESS', attempts: 2 });
      const { body } = await herald.call('GET', `/v1/notifications/${throttled.id}/attempts`);
      expect(body.attempts.map((a: { attempt: number; category: string }) => [a.attempt, a.category])).toEqual([
        [1, 'INTERRUPTED'],
        [2, 'SUCCESS'],
      ]);
      // At least once: the vendor saw it twice (same notification id, which is how it can drop the duplicate).
      const received = vendor.requestsFor(throttled.id);
      expect(received.map((r) => r.headers['x-herald-attempt'])).toEqual(['1', '2']);
      expect(received[1]?.headers['x-herald-correlation-id']).toBe(done.deliveryResult.correlationId);
      expect(vendor.requestsFor(neighbour.id)).toHaveLength(1);
    } finally {
      local.runtime.deps.leaseMs = leaseMs;
    }
  });

  it('lets one of two workers holding the same message deliver; the other defers it', async () => {
    const notification = makeNotification({ url: `${vendor.url}/slow/300` });
    await local.runtime.deps.store.insert(notification);
    const message = {
      MessageId: randomUUID(),
      ReceiptHandle: randomUUID(),
      Body: notification.id,
      MD5OfBody: '',
      Attributes: { ApproximateReceiveCount: '1' },
    };
    const event: SQSEvent = { Records: [toSqsRecord(message, local.queues.queueArn, 'us-east-1')] };
    const handler = local.handlers.worker;
    const worker = { name: 'herald-local-worker', timeoutMs: 90_000, memoryMb: 512 };
    const sendsBefore = callsOf('SendMessageCommand').length;

    const responses = await Promise.all([
      handler(event, lambdaContext(worker, 'us-east-1')),
      handler(event, lambdaContext(worker, 'us-east-1')),
    ]);

    expect(responses).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(vendor.requestsFor(notification.id)).toHaveLength(1);
    const done = await herald.get(notification.id);
    expect(done.body).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    const { body } = await herald.call('GET', `/v1/notifications/${notification.id}/attempts`);
    expect(body.attempts).toHaveLength(1);
    // The loser found the notification claimed and sent the message again, due when the claim lapses.
    const sends = callsOf('SendMessageCommand').slice(sendsBefore);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.input).toMatchObject({ MessageBody: notification.id });
    expect(Number(sends[0]?.input.DelaySeconds)).toBeGreaterThanOrEqual(Math.floor(local.runtime.deps.leaseMs / 1000));
  });

  it('reports only the failing record when two batches run through one worker handler at once', async () => {
    // The local event source runs several batches at once in one process, as concurrent invocations.
    // A batch processor shared by them let the second batch reset the first one's failures (the
    // failed message was then deleted) or report a record that is not in its own batch.
    const ok = [makeNotification({ url: `${vendor.url}/slow/200` }), makeNotification({ url: `${vendor.url}/ok` })];
    for (const notification of ok) await local.runtime.deps.store.insert(notification);
    // Refused by DynamoDB (a key over 2048 bytes): the record handler throws.
    const poison = `poison-${'y'.repeat(2100)}`;
    const record = (body: string) =>
      toSqsRecord(
        {
          MessageId: randomUUID(),
          ReceiptHandle: randomUUID(),
          Body: body,
          MD5OfBody: '',
          Attributes: { ApproximateReceiveCount: '1' },
        },
        local.queues.queueArn,
        'us-east-1',
      );
    const first: SQSEvent = { Records: [record(poison), record(ok[0]?.id as string)] };
    const second: SQSEvent = { Records: [record(ok[1]?.id as string)] };
    const handler = local.handlers.worker;
    const worker = { name: 'herald-local-worker', timeoutMs: 90_000, memoryMb: 512 };

    const responses = await Promise.all([
      handler(first, lambdaContext(worker, 'us-east-1')),
      handler(second, lambdaContext(worker, 'us-east-1')),
    ]);

    expect(responses).toEqual([
      { batchItemFailures: [{ itemIdentifier: first.Records[0]?.messageId }] },
      { batchItemFailures: [] },
    ]);
    for (const notification of ok) {
      expect((await herald.get(notification.id)).body).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    }
  });

  it(`moves a message the store rejects to the DLQ after ${MAX_RECEIVE_COUNT} receives`, async () => {
    // A body that cannot be a notification id: its key exceeds DynamoDB's 2048-byte partition key limit,
    // so every read is refused with a ValidationException and the worker fails the message.
    const poison = `poison-${'x'.repeat(2100)}`;
    await probeSqs.send(new SendMessageCommand({ QueueUrl: local.queues.queueUrl, MessageBody: poison }));

    const deadLetter = await waitFor(
      async () => {
        const { Messages = [] } = await probeSqs.send(
          new ReceiveMessageCommand({ QueueUrl: local.queues.dlqUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
        );
        return Messages.find((m) => m.Body === poison);
      },
      { timeoutMs: 20_000, what: 'the poison message in the DLQ' },
    );

    const received = batches.flatMap((b) =>
      b.records
        .filter((r) => r.body === poison)
        .map((r) => ({ ...r, failed: b.failedMessageIds.includes(r.messageId) })),
    );
    expect(received.map((r) => r.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(received.every((r) => r.failed && r.messageId === deadLetter.MessageId)).toBe(true);
    expect(await queueCounts(probeSqs, local.queues.queueUrl)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });
});

describe('dead-lettered messages (the sweeper sends their notifications back)', () => {
  const sendToDlq = (body: string, redrives?: number) =>
    probeSqs.send(
      new SendMessageCommand({
        QueueUrl: local.queues.dlqUrl,
        MessageBody: body,
        ...(redrives === undefined
          ? {}
          : { MessageAttributes: { redrives: { DataType: 'Number', StringValue: String(redrives) } } }),
      }),
    );

  /** A notification stored QUEUED, as if its message had been sent; `overrides` as for makeNotification. */
  const storedQueued = async (overrides: Parameters<typeof makeNotification>[0] = {}) => {
    const notification = makeNotification({
      url: `${vendor.url}/ok`,
      destination: vendor.url,
      createdAt: new Date().toISOString(),
      ...overrides,
    });
    await local.runtime.deps.store.insert(notification);
    expect(await local.runtime.deps.store.markQueued(notification.id, new Date().toISOString())).toBe(true);
    return notification;
  };

  it('sends a QUEUED notification whose message was dead-lettered back, drops one that ended, and leaves the rest for an operator', async () => {
    // Stored QUEUED, its message lost to the DLQ (as after five receives during a store outage).
    const stranded = await storedQueued();
    // Delivered already: a late dead-letter of it has nothing left to do.
    const delivered = await herald.send({ url: `${vendor.url}/ok`, body: 'delivered before its copy died' });
    await herald.waitForStatus(delivered.body.id, ['SUCCESS']);
    // Redriven as often as the sweeper will: left for an operator.
    const tooOften = await storedQueued();

    await sendToDlq(stranded.id);
    await sendToDlq(delivered.body.id);
    await sendToDlq(tooOften.id, 3);
    // The poison message of the test above is still there: not an id of ours, so left too.
    expect(await local.sweep()).toMatchObject({ redriven: 1 });

    const done = await herald.waitForStatus(stranded.id, ['SUCCESS', 'FAILED']);
    expect(done).toMatchObject({ status: 'SUCCESS', attempts: 1 });
    expect(vendor.requestsFor(stranded.id)).toHaveLength(1);
    expect(vendor.requestsFor(tooOften.id)).toHaveLength(0);
    expect((await herald.get(tooOften.id)).body.status).toBe('QUEUED');
    // Deleted: the stranded and the delivered one; hidden, still in the DLQ: the two left.
    expect(await queueCounts(probeSqs, local.queues.dlqUrl)).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '2',
    });
    expect(await local.sweep()).toMatchObject({ redriven: 0 });
  });
});

describe('the table epoch write at a store instance’s first insert (its own aws-local: a table without an epoch)', () => {
  let fresh: AwsLocal;
  let client: HeraldClient;
  // Its own engines: the file's probe client points at the other instance.
  let probeDynamoDb: DynamoDBClient;
  beforeAll(async () => {
    fresh = await startAwsLocal({ ...TEST_ENV, HERALD_LOCAL_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000) });
    faultMiddleware(fresh.runtime.clients.dynamoDb);
    client = new HeraldClient(fresh.url);
    probeDynamoDb = localDynamoDbClient(fresh.endpoints.dynamoDb);
  });
  afterAll(async () => {
    probeDynamoDb?.destroy();
    await fresh?.stop();
  });

  const isEpochPut = (input: Record<string, unknown>) => {
    const item = input.Item as { pk?: unknown; sk?: unknown } | undefined;
    return item?.pk === META.partition && item?.sk === META.epoch;
  };
  const readEpochItem = async () =>
    (
      await probeDynamoDb.send(
        new GetItemCommand({
          TableName: fresh.tableName,
          Key: { pk: { S: META.partition }, sk: { S: META.epoch } },
          ConsistentRead: true,
        }),
      )
    ).Item;
  it('never turns a stored, enqueued notification into a 503; the next insert writes the epoch', async () => {
    // Both ingest paths: without a key (stored QUEUED with its send) and with one (stored, then sent).
    const fault = inject(
      'PutItemCommand',
      () => new InternalServerError({ message: 'Internal error', $metadata: {} }),
      isEpochPut,
      2,
    );
    const first = await client.send({ url: `${vendor.url}/ok`, body: 'epoch write failed' });
    const keyed = await client.send(
      { url: `${vendor.url}/ok`, body: 'epoch write failed again' },
      { 'Idempotency-Key': `epoch-${randomUUID()}` },
    );

    expect(fault.hits).toBe(2);
    expect([first.status, keyed.status]).toEqual([202, 202]);
    expect([first.body.status, keyed.body.status]).toEqual(['QUEUED', 'QUEUED']);
    expect(await readEpochItem()).toBeUndefined();
    for (const res of [first, keyed]) {
      expect(await client.waitForStatus(res.body.id, ['SUCCESS', 'FAILED'])).toMatchObject({ status: 'SUCCESS' });
      expect(vendor.requestsFor(res.body.id)).toHaveLength(1);
    }

    // The next insert writes it, from the earliest createdAt this instance stored, so the listing
    // (which walks no further back than the epoch) still finds the first two.
    const later = await client.send({ url: `${vendor.url}/ok`, body: 'epoch written now' });
    expect(later.status).toBe(202);
    const epoch = await readEpochItem();
    expect(epoch?.epoch?.S).toBeDefined();
    expect(Date.parse(String(epoch?.epoch?.S))).toBeLessThanOrEqual(Date.parse(first.body.createdAt));
    const { body } = await client.call('GET', '/v1/notifications?limit=10');
    expect(body.items.map((item: { id: string }) => item.id).sort()).toEqual(
      [first.body.id, keyed.body.id, later.body.id].sort(),
    );
  });
});
