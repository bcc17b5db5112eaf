import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newDestinationRecord } from '../../src/domain/destination.js';
import { InvalidCursorError } from '../../src/domain/errors.js';
import type { DestinationStore } from '../../src/ports/destination-store.js';

export interface DestinationStoreHarness {
  store: DestinationStore;
  cleanup(): Promise<void>;
}

/** The behaviour every DestinationStore must have (src/ports/destination-store.ts), on a fresh backend per test. */
export function describeDestinationStoreContract(
  name: string,
  makeHarness: () => Promise<DestinationStoreHarness>,
): void {
  describe(`DestinationStore contract: ${name}`, () => {
    let harness: DestinationStoreHarness;
    let store: DestinationStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    const VENDOR = 'https://vendor.example';

    it('creates a record once: a second create of the same destination is refused', async () => {
      expect(await store.get(VENDOR)).toBeUndefined();
      const created = await store.put(newDestinationRecord(VENDOR), 0);
      expect(created).toMatchObject({ destination: VENDOR, breaker: 'CLOSED', version: 1 });
      expect(await store.get(VENDOR)).toEqual(created);
      expect(await store.put({ ...newDestinationRecord(VENDOR), paused: true }, 0)).toBeUndefined();
      expect((await store.get(VENDOR))?.paused).toBe(false);
    });

    it('writes over the version it was read at, and refuses a stale writer', async () => {
      const v1 = (await store.put(newDestinationRecord(VENDOR), 0)) as NonNullable<
        Awaited<ReturnType<DestinationStore['put']>>
      >;
      const v2 = await store.put({ ...v1, breaker: 'OPEN', openUntil: '2030-01-01T00:00:30.000Z', openings: 1 }, 1);
      expect(v2).toMatchObject({ version: 2, breaker: 'OPEN' });
      // A writer still holding version 1 loses: it must read again and decide again.
      expect(await store.put({ ...v1, consecutiveFailures: 7 }, 1)).toBeUndefined();
      expect(await store.get(VENDOR)).toEqual(v2);
    });

    it('lets exactly one of many concurrent writers over one version win', async () => {
      const v1 = (await store.put(newDestinationRecord(VENDOR), 0)) as NonNullable<
        Awaited<ReturnType<DestinationStore['put']>>
      >;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.put({ ...v1, consecutiveFailures: i + 1 }, 1)),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect((await store.get(VENDOR))?.version).toBe(2);
    });

    it("keeps the breaker's generation, read back and listed", async () => {
      const opened = { ...newDestinationRecord(VENDOR), breaker: 'OPEN' as const, openings: 1, breakerGeneration: 7 };
      const stored = await store.put(opened, 0);
      expect(stored).toMatchObject({ breakerGeneration: 7, version: 1 });
      expect(await store.get(VENDOR)).toEqual(stored);
      expect((await store.list(10)).items).toEqual([stored]);
    });

    it('lists destinations in order, page by page, and refuses a foreign cursor', async () => {
      const names = ['https://c.example', 'http://127.0.0.1:8080', 'https://a.example', 'https://b.example'];
      for (const destination of names) await store.put(newDestinationRecord(destination), 0);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(3, cursor);
        seen.push(...page.items.map((r) => r.destination));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      expect(seen).toEqual([...names].sort());
      expect(pages).toBe(2);
      await expect(store.list(3, 'not-a-cursor')).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });
}
