import { describe, expect, it, vi } from 'vitest';
import { getStats, readOperatorStats } from '../../src/app/get-stats.js';
import { newDestinationRecord } from '../../src/domain/destination.js';
import { fakeDependencies } from '../helpers/fakes.js';

/** Enough records for several pages of the destination listing. */
const DESTINATIONS = 250;

async function withDestinations() {
  const deps = fakeDependencies();
  for (let i = 0; i < DESTINATIONS; i++) {
    const record = newDestinationRecord(`https://vendor-${String(i).padStart(3, '0')}.example`);
    await deps.destinationStore.put(i % 50 === 0 ? { ...record, paused: true } : record, 0);
  }
  const list = vi.spyOn(deps.destinationStore, 'list');
  /** How many times every destination record was read. */
  const fullScans = () => list.mock.calls.filter(([, cursor]) => cursor === undefined).length;
  return { deps, fullScans };
}

describe('operator statistics: destination counts', () => {
  it('reads the destination records once for many calls within a few seconds, not once per call', async () => {
    const { deps, fullScans } = await withDestinations();

    const answers = await Promise.all(Array.from({ length: 20 }, () => getStats(deps)));
    for (let i = 0; i < 20; i++) await readOperatorStats(deps, 20);

    expect(fullScans()).toBe(1);
    for (const stats of answers) expect(stats.destinations).toEqual({ CLOSED: 245, OPEN: 0, HALF_OPEN: 0, PAUSED: 5 });
  });

  it('counts afresh once the counts are a few seconds old, and names at most the limit asked for', async () => {
    const { deps, fullScans } = await withDestinations();
    await getStats(deps);
    const paused = await deps.destinationStore.get('https://vendor-001.example');
    await deps.destinationStore.put({ ...(paused as NonNullable<typeof paused>), paused: true }, 1);

    expect((await getStats(deps)).destinations.PAUSED).toBe(5);
    deps.clock.advance(5_001);
    expect((await getStats(deps)).destinations.PAUSED).toBe(6);
    expect(fullScans()).toBe(2);
    expect((await readOperatorStats(deps, 3)).unhealthy).toHaveLength(3);
    expect(fullScans()).toBe(2);
  });
});
