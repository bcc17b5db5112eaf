import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryQueue, MessageSource, QueueMessage, ReceiveOptions } from '../../src/ports/delivery-queue.js';

type Queue = DeliveryQueue & MessageSource;

export interface QueueHarness {
  queue: Queue;
  cleanup(): Promise<void>;
}

/*
 * Timings are whole seconds: SQS counts delays and visibility timeouts in seconds, and this suite
 * runs unchanged against it. Lower bounds on elapsed time leave slack for a backend's clock
 * granularity; they still fail a queue that ignores the delay or the timeout altogether.
 */
const VISIBILITY_MS = 1000;
const SLACK_MS = 250;

/**
 * The behaviour every DeliveryQueue must have (src/ports/delivery-queue.ts). Each test gets a fresh,
 * isolated queue from `makeHarness`.
 */
export function describeQueueContract(name: string, makeHarness: () => Promise<QueueHarness>): void {
  describe(`DeliveryQueue contract: ${name}`, () => {
    let harness: QueueHarness;
    let queue: Queue;

    beforeEach(async () => {
      harness = await makeHarness();
      queue = harness.queue;
    });

    afterEach(async () => {
      await harness.cleanup();
    });

    const options = (overrides: Partial<ReceiveOptions> = {}): ReceiveOptions => ({
      maxMessages: 10,
      visibilityTimeoutMs: 30_000,
      waitTimeMs: 1000,
      ...overrides,
    });

    /** Long-polls until a message arrives or `withinMs` passes: waits on the condition, not a sleep. */
    async function receiveWithin(withinMs: number, overrides: Partial<ReceiveOptions> = {}): Promise<QueueMessage[]> {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const remaining = deadline - Date.now();
        const messages = await queue.receive(
          options({ waitTimeMs: Math.max(0, Math.min(1000, remaining)), ...overrides }),
        );
        if (messages.length > 0 || Date.now() >= deadline) return messages;
      }
    }

    it('delivers a sent notification id, with receiveCount 1', async () => {
      const id = randomUUID();
      await queue.send(id);

      const messages = await queue.receive(options());

      expect(messages).toHaveLength(1);
      expect(messages[0]?.notificationId).toBe(id);
      expect(messages[0]?.receiveCount).toBe(1);
      expect(messages[0]?.receiptHandle).toEqual(expect.any(String));
    });

    it('hides a received message until its visibility timeout expires, then delivers it again', async () => {
      const id = randomUUID();
      await queue.send(id);
      const first = await queue.receive(options({ visibilityTimeoutMs: VISIBILITY_MS }));
      const receivedAt = Date.now();
      expect(first.map((m) => m.notificationId)).toEqual([id]);

      expect(await queue.receive(options({ waitTimeMs: 0, visibilityTimeoutMs: VISIBILITY_MS }))).toEqual([]);

      const again = await receiveWithin(5000, { visibilityTimeoutMs: VISIBILITY_MS });
      expect(Date.now() - receivedAt).toBeGreaterThanOrEqual(VISIBILITY_MS - SLACK_MS);
      expect(again).toHaveLength(1);
      expect(again[0]?.notificationId).toBe(id);
      expect(again[0]?.receiveCount).toBe(2);
      expect(again[0]?.receiptHandle).not.toBe(first[0]?.receiptHandle);
    });

    it('deletes a message for good', async () => {
      const id = randomUUID();
      const kept = randomUUID();
      await queue.send(id);
      const [message] = await queue.receive(options({ visibilityTimeoutMs: VISIBILITY_MS, maxMessages: 1 }));
      expect(message?.notificationId).toBe(id);
      await queue.send(kept);

      await queue.delete(message as QueueMessage);

      // Long past the visibility timeout only the other message comes back.
      const seen: string[] = [];
      const deadline = Date.now() + VISIBILITY_MS + 1000;
      while (Date.now() < deadline) {
        const messages = await queue.receive(options({ waitTimeMs: Math.max(0, deadline - Date.now()) }));
        seen.push(...messages.map((m) => m.notificationId));
      }
      expect(seen).toEqual([kept]);
    });

    it('does not deliver a delayed message before its delay', async () => {
      const id = randomUUID();
      const sentAt = Date.now();
      await queue.send(id, { delayMs: 1000 });

      expect(await queue.receive(options({ waitTimeMs: 0 }))).toEqual([]);

      const messages = await receiveWithin(5000);
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1000 - SLACK_MS);
      expect(messages.map((m) => m.notificationId)).toEqual([id]);
      expect(messages[0]?.receiveCount).toBe(1);
    });

    it('returns at most maxMessages per receive', async () => {
      const ids = Array.from({ length: 5 }, () => randomUUID());
      for (const id of ids) await queue.send(id);

      const received: string[] = [];
      const deadline = Date.now() + 5000;
      while (received.length < ids.length && Date.now() < deadline) {
        const messages = await queue.receive(options({ maxMessages: 2 }));
        expect(messages.length).toBeLessThanOrEqual(2);
        received.push(...messages.map((m) => m.notificationId));
      }

      expect([...received].sort()).toEqual([...ids].sort());
    });

    it('returns from a long poll as soon as a message arrives', async () => {
      const id = randomUUID();
      const startedAt = Date.now();
      const polling = queue.receive(options({ waitTimeMs: 5000 }));
      setTimeout(() => void queue.send(id), 100);

      const messages = await polling;

      expect(messages.map((m) => m.notificationId)).toEqual([id]);
      expect(Date.now() - startedAt).toBeLessThan(4000);
    });

    it('returns nothing from an empty queue once waitTimeMs has passed', async () => {
      const startedAt = Date.now();

      const messages = await queue.receive(options({ waitTimeMs: 1000 }));

      expect(messages).toEqual([]);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000 - SLACK_MS);
    });
  });
}
