import { type DestinationState, destinationState } from '../domain/destination.js';
import type { Clock } from '../ports/clock.js';
import type { DestinationPage } from '../ports/destination-store.js';

/** The destinations counted by state, and the first few not CLOSED (open, probing, paused): the ones to look at. */
export interface DestinationSummary {
  counts: Record<DestinationState, number>;
  unhealthy: { destination: string; state: DestinationState }[];
}

/** How old a summary may be before the next reader counts again: the staleness of the counts. */
export const DESTINATION_SUMMARY_MAX_AGE_MS = 5_000;
/** Destinations not CLOSED a summary names at most; readers take the first of them. */
export const UNHEALTHY_NAMED_MAX = 100;
const DESTINATION_PAGE = 100;

type ListDestinations = (limit: number, cursor?: string) => Promise<DestinationPage>;

/**
 * Counts the destinations by state for operators (`/v1/stats`, `/metrics`, the console's overview,
 * which polls): every record read, at most once per DESTINATION_SUMMARY_MAX_AGE_MS per process
 * however many ask, concurrent readers sharing one count. A state change shows within that time.
 */
export class DestinationCensus {
  #summary: { at: number; summary: Promise<DestinationSummary> } | undefined;

  constructor(
    private readonly list: ListDestinations,
    private readonly clock: Clock,
  ) {}

  summary(): Promise<DestinationSummary> {
    const now = this.clock.now().getTime();
    if (this.#summary === undefined || now - this.#summary.at >= DESTINATION_SUMMARY_MAX_AGE_MS) {
      const summary = this.#count();
      const taken = { at: now, summary };
      this.#summary = taken;
      // A failed count is not kept: the next reader tries again.
      summary.catch(() => {
        if (this.#summary === taken) this.#summary = undefined;
      });
    }
    return this.#summary.summary;
  }

  async #count(): Promise<DestinationSummary> {
    const summary: DestinationSummary = { counts: { CLOSED: 0, OPEN: 0, HALF_OPEN: 0, PAUSED: 0 }, unhealthy: [] };
    let cursor: string | undefined;
    do {
      const page = await this.list(DESTINATION_PAGE, cursor);
      for (const record of page.items) {
        const state = destinationState(record);
        summary.counts[state]++;
        if (state !== 'CLOSED' && summary.unhealthy.length < UNHEALTHY_NAMED_MAX) {
          summary.unhealthy.push({ destination: record.destination, state });
        }
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return summary;
  }
}
