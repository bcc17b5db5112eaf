import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, SQSEvent } from 'aws-lambda';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiGatewayBridge, type HttpApiHandler } from '../../src/entrypoints/local/api-gateway-bridge.js';
import { type BatchSummary, SqsEventSourcePoller } from '../../src/entrypoints/local/event-source-poller.js';
import { lambdaContext } from '../../src/entrypoints/local/lambda-context.js';
import type { Logger } from '../../src/ports/logger.js';
import {
  createTestQueues,
  type LocalEngine,
  localSqsClient,
  startFauxqs,
  type TestQueues,
} from '../helpers/aws-engines.js';
import { waitFor } from '../helpers/wait-for.js';

/** What start:aws-local puts in front of the handlers, checked against stand-in handlers. */

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const fn = { name: 'test-function', timeoutMs: 10_000, memoryMb: 128 };

describe('API Gateway HTTP API bridge', () => {
  let server: Server;
  let base: string;
  let events: APIGatewayProxyEventV2[];
  let answer: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

  async function listen(): Promise<void> {
    const handler: HttpApiHandler = async (event) => {
      events.push(event);
      return answer(event);
    };
    server = createServer(apiGatewayBridge({ handler, context: () => lambdaContext(fn, 'us-east-1'), logger: silent }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeEach(() => {
    events = [];
    answer = async () => ({ statusCode: 204 });
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('builds a payload 2.0 event: raw and parsed query, lower-cased headers, cookies apart, text body as is', async () => {
    await listen();
    await request(`${base}/v1/notifications?status=FAILED&x=1&x=2&sp=a%20b`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'abc', Cookie: 'a=1; b=2' },
      body: '{"hello":"wörld"}',
    }).then((res) => res.body.dump());

    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/notifications',
      rawQueryString: 'status=FAILED&x=1&x=2&sp=a%20b',
      queryStringParameters: { status: 'FAILED', x: '1,2', sp: 'a b' },
      cookies: ['a=1', 'b=2'],
      body: '{"hello":"wörld"}',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', path: '/v1/notifications', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        routeKey: '$default',
        stage: '$default',
      },
    });
    expect(event?.headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'abc' });
    expect(event?.headers.cookie).toBeUndefined();
    expect(event?.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('base64-encodes a binary body, and decodes a base64 result', async () => {
    await listen();
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    answer = async () => ({
      statusCode: 201,
      headers: { 'content-type': 'application/octet-stream', 'x-answer': 'yes', connection: 'close' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
      cookies: ['c=3', 'd=4'],
    });
    const res = await request(`${base}/upload`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });

    expect(events[0]).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
    expect(events[0]?.queryStringParameters).toBeUndefined();
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-answer']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['c=3', 'd=4']);
    expect(Buffer.from(await res.body.arrayBuffer())).toEqual(bytes);
  });

  it('base64-encodes a JSON body that is not UTF-8, which a text body could not carry intact', async () => {
    await listen();
    const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    await request(`${base}/v1/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    }).then((res) => res.body.dump());
    expect(events[0]).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('answers as API Gateway does for a bare result and for a failed function', async () => {
    await listen();
    answer = async () => ({ ok: true }) as unknown as APIGatewayProxyResultV2;
    const bare = await request(`${base}/anything`);
    expect(bare.statusCode).toBe(200);
    expect(bare.headers['content-type']).toBe('application/json');
    expect(await bare.body.json()).toEqual({ ok: true });

    answer = async () => {
      throw new Error('boom');
    };
    const failed = await request(`${base}/anything`);
    expect(failed.statusCode).toBe(500);
    expect(await failed.body.json()).toEqual({ message: 'Internal Server Error' });
  });
});

describe('SQS event source poller', () => {
  let fauxqs: LocalEngine;
  let sqs: SQSClient;
  let queues: TestQueues;
  let poller: SqsEventSourcePoller | undefined;

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    sqs = localSqsClient(fauxqs.endpoint);
  });
  afterAll(async () => {
    sqs?.destroy();
    await fauxqs?.stop();
  });
  beforeEach(async () => {
    queues = await createTestQueues(sqs, 'poller', { maxReceiveCount: 5, visibilityTimeoutSeconds: 1 });
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await queues.remove();
  });

  function startPoller(handler: (event: SQSEvent) => Promise<unknown>, batches: BatchSummary[]): void {
    poller = new SqsEventSourcePoller({
      sqs,
      queueUrl: queues.queueUrl,
      queueArn: queues.queueArn,
      region: 'us-east-1',
      handler: handler as never,
      context: () => lambdaContext(fn, 'us-east-1'),
      concurrency: 1,
      logger: silent,
      onBatch: (summary) => batches.push(summary),
    });
    poller.start();
  }

  async function sendBatch(bodies: string[]): Promise<void> {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.queueUrl,
        Entries: bodies.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
  }

  it('deletes what the function did not report and redelivers what it did', async () => {
    const batches: BatchSummary[] = [];
    const events: SQSEvent[] = [];
    startPoller(async (event) => {
      events.push(event);
      return {
        batchItemFailures: event.Records.filter(
          (r) => r.body === 'fail' && r.attributes.ApproximateReceiveCount === '1',
        ).map((r) => ({ itemIdentifier: r.messageId })),
      };
    }, batches);
    await sendBatch(['ok', 'fail']);

    await waitFor(() => (batches.length >= 2 ? true : undefined), { what: 'the failed message to come back' });
    expect(batches[0]?.records.map((r) => r.body).sort()).toEqual(['fail', 'ok']);
    expect(batches[0]?.failedMessageIds).toHaveLength(1);
    expect(batches[1]?.records).toEqual([expect.objectContaining({ body: 'fail', receiveCount: 2 })]);
    expect(batches[1]?.failedMessageIds).toEqual([]);
    expect(events[0]?.Records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queues.queueArn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.any(String) },
      md5OfBody: expect.any(String),
    });
  });

  it('fails the whole batch when the function throws or names a message not in the batch', async () => {
    const batches: BatchSummary[] = [];
    let invocation = 0;
    startPoller(async () => {
      invocation += 1;
      if (invocation === 1) throw new Error('function crashed');
      if (invocation === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
      return { batchItemFailures: [] };
    }, batches);
    await sendBatch(['a', 'b']);

    await waitFor(() => (batches.length >= 3 ? true : undefined), { timeoutMs: 10_000, what: 'three invocations' });
    expect(batches[0]?.error).toBeInstanceOf(Error);
    expect(batches[0]?.failedMessageIds).toHaveLength(2);
    expect(batches[1]?.error).toBeInstanceOf(Error);
    expect(batches[1]?.failedMessageIds).toHaveLength(2);
    expect(batches[2]?.records.map((r) => r.receiveCount)).toEqual([3, 3]);
    expect(batches[2]?.failedMessageIds).toEqual([]);
  });
});
