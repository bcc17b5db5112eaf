import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DestinationSecretStore, DestinationSecrets } from '../../src/ports/destination-secret-store.js';

export interface DestinationSecretStoreHarness {
  store: DestinationSecretStore;
  cleanup(): Promise<void>;
}

const VENDOR = 'https://vendor.example';
const OTHER = 'https://other.example:8443';

const secrets = (destination: string, sealed: string[]): DestinationSecrets => ({
  destination,
  signing: sealed.map((value, index) => ({
    sealed: value,
    createdAt: `2030-01-0${index + 1}T00:00:00.000Z`,
    ...(index > 0 ? { expiresAt: '2030-01-09T00:00:00.000Z' } : {}),
  })),
  derivedSigningUntil: '2030-01-02T00:00:00.000Z',
  version: 0,
});

/** The behaviour every DestinationSecretStore must have (src/ports/destination-secret-store.ts). */
export function describeDestinationSecretStoreContract(
  name: string,
  makeHarness: () => Promise<DestinationSecretStoreHarness>,
): void {
  describe(`DestinationSecretStore contract: ${name}`, () => {
    let harness: DestinationSecretStoreHarness;
    let store: DestinationSecretStore;

    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it("creates a destination's secrets once and reads them back whole; an unknown one is undefined", async () => {
      expect(await store.get(VENDOR)).toBeUndefined();
      const created = await store.put(secrets(VENDOR, ['v1.a.b.c']), 0);
      expect(created).toEqual({ ...secrets(VENDOR, ['v1.a.b.c']), version: 1 });
      expect(await store.get(VENDOR)).toEqual(created);
      expect(await store.put(secrets(VENDOR, ['v1.other']), 0)).toBeUndefined();
      expect((await store.get(VENDOR))?.signing.map((s) => s.sealed)).toEqual(['v1.a.b.c']);
      expect(await store.get(OTHER)).toBeUndefined();
    });

    it('writes over the version it read, and refuses a stale writer', async () => {
      await store.put(secrets(VENDOR, ['v1.first']), 0);
      const second = await store.put(secrets(VENDOR, ['v1.second', 'v1.first']), 1);
      expect(second?.version).toBe(2);
      expect(await store.put(secrets(VENDOR, ['v1.lost', 'v1.first']), 1)).toBeUndefined();
      expect(await store.get(VENDOR)).toEqual(second);
      expect(await store.put(secrets(VENDOR, ['v1.never']), 5)).toBeUndefined();
    });

    it('keeps each destination apart, including one the notification store never saw', async () => {
      await store.put(secrets(VENDOR, ['v1.vendor']), 0);
      await store.put(secrets(OTHER, ['v1.other']), 0);
      expect((await store.get(VENDOR))?.signing[0]?.sealed).toBe('v1.vendor');
      expect((await store.get(OTHER))?.signing[0]?.sealed).toBe('v1.other');
      expect(await store.put(secrets('https://never.example', ['v1.new']), 3)).toBeUndefined();
      expect(await store.get('https://never.example')).toBeUndefined();
    });
  });
}
