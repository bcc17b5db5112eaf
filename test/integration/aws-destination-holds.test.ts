import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import type { BatchSummary } from '../../src/entrypoints/local/event-source-poller.js';
import { localSqsClient } from '../helpers/aws-engines.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { orderViolations } from '../helpers/ordering.js';
import { queueCounts } from '../helpers/queue-counts.js';
import { TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A paused destination holds the head of an ordering key's line on the FIFO queue: the worker keeps
 * receiving it and postponing it. On aws-local (fauxqs, the local event source) with a dead-letter
 * threshold of two receives and a paused message looked at every 200 ms, the head must still be in
 * its line however often it was received (the ordered queue redrives nothing to a dead-letter queue),
 * and go first once the destination resumes.
 */
const MAX_RECEIVE_COUNT = 2;

let local: AwsLocal;
let paused: Vendor;
let other: Vendor;
let herald: HeraldClient;
let probeSqs: SQSClient;
const batches: BatchSummary[] = [];

beforeAll(async () => {
  [paused, other] = await Promise.all([startVendor(), startVendor()]);
  local = await startAwsLocal({
    ...TEST_ENV,
    HERALD_LOCAL_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    HERALD_LOCAL_PAUSED_RECHECK_MS: '200',
    HERALD_LOCAL_VISIBILITY_TIMEOUT_S: '1',
    // The sweeper would send a dead-lettered head back: off, so only the queues' own behaviour counts.
    HERALD_LOCAL_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000),
  });
  local.onBatch((summary) => batches.push(summary));
  herald = new HeraldClient(local.url);
  probeSqs = localSqsClient(local.endpoints.sqs);
});

afterAll(async () => {
  await local?.stop();
  probeSqs?.destroy();
  await Promise.all([paused?.close(), other?.close()]);
});

describe('a message held back by a paused destination (aws-local, standard queue)', () => {
  it('is re-sent carrying since when it is held, the same time at every hold', async () => {
    const held = await startVendor();
    const sent: { body: string; heldSince?: string }[] = [];
    const name = `recordSends${Math.random()}`;
    local.runtime.clients.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageCommand') {
          const input = args.input as {
            MessageBody: string;
            MessageAttributes?: Record<string, { StringValue?: string }>;
          };
          sent.push({ body: input.MessageBody, heldSince: input.MessageAttributes?.heldSince?.StringValue });
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      const path = `/v1/destinations/${encodeURIComponent(held.url)}`;
      const known = await herald.send({ url: `${held.url}/ok` });
      expect((await herald.waitForStatus(known.body.id, ['SUCCESS'])).status).toBe('SUCCESS');
      expect((await herald.call('POST', `${path}/pause`)).status).toBe(200);
      const waiting = await herald.send({ url: `${held.url}/ok` });
      const holds = () => sent.filter((s) => s.body === waiting.body.id && s.heldSince !== undefined);
      await waitFor(() => (holds().length >= 3 ? true : undefined), { what: 'three holds of the paused message' });
      expect(new Set(holds().map((s) => s.heldSince)).size).toBe(1);
      // Sent at ingest without it: nothing held it yet.
      expect(sent.find((s) => s.body === waiting.body.id)?.heldSince).toBeUndefined();

      expect((await herald.call('POST', `${path}/resume`)).status).toBe(200);
      expect((await herald.waitForStatus(waiting.body.id, ['SUCCESS'], 30_000)).status).toBe('SUCCESS');
    } finally {
      local.runtime.clients.sqs.middlewareStack.remove(name);
      await held.close();
    }
  });
});

describe('an ordered head held by a paused destination (aws-local, FIFO queue)', () => {
  it('is received more often than the dead-letter threshold, never dead-lettered, and still goes first after the resume', async () => {
    const ordered = local.queues.ordered as NonNullable<AwsLocal['queues']['ordered']>;
    const path = `/v1/destinations/${encodeURIComponent(paused.url)}`;
    // A destination is known once it was sent to.
    const known = await herald.send({ url: `${paused.url}/ok` });
    expect((await herald.waitForStatus(known.body.id, ['SUCCESS'])).status).toBe('SUCCESS');
    expect((await herald.call('POST', `${path}/pause`)).status).toBe(200);

    const head = await herald.send({ url: `${paused.url}/ok`, orderingKey: 'held-line' });
    const next = await herald.send({ url: `${other.url}/ok`, orderingKey: 'held-line' });
    expect([head.status, next.status]).toEqual([202, 202]);
    const headId = head.body.id as string;
    const receivesOfHead = () =>
      Math.max(0, ...batches.flatMap((b) => b.records.filter((r) => r.body === headId).map((r) => r.receiveCount)));
    const inDeadLetters = async () => {
      const counts = await queueCounts(probeSqs, local.queues.dlqUrl);
      return Number(counts.ApproximateNumberOfMessages) + Number(counts.ApproximateNumberOfMessagesNotVisible);
    };
    // The head dead-lettered would let the next go while the destination is still paused.
    const nextWentAhead = () => other.requestsFor(next.body.id).length > 0;

    // Held through twice the threshold, or (the failure) its line moved on without it.
    await waitFor(() => (receivesOfHead() > 2 * MAX_RECEIVE_COUNT || nextWentAhead() ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the paused head to be received again and again',
    });
    const { Attributes = {} } = await probeSqs.send(
      new GetQueueAttributesCommand({ QueueUrl: ordered.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(Attributes.RedrivePolicy).toBeUndefined();
    expect(await inDeadLetters()).toBe(0);
    expect(other.requestsFor(next.body.id)).toEqual([]); // still behind the head
    expect(paused.requestsFor(headId)).toEqual([]);

    expect((await herald.call('POST', `${path}/resume`)).status).toBe(200);
    for (const id of [headId, next.body.id]) {
      expect((await herald.waitForStatus(id, ['SUCCESS', 'FAILED'], 30_000)).status).toBe('SUCCESS');
    }
    expect(
      orderViolations(new Map([['held-line', [headId, next.body.id]]]), [...paused.requests, ...other.requests]),
    ).toEqual([]);
    expect(paused.requestsFor(headId)).toHaveLength(1);
    expect(await inDeadLetters()).toBe(0);
  }, 90_000);
});
