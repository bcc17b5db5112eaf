import { type DestinationRecord, parseDestination } from '../domain/destination.js';
import { HeraldError, ValidationError } from '../domain/errors.js';
import type { DestinationLoad } from '../ports/destination-store.js';
import type { AppDependencies } from './dependencies.js';

/** A destination as operators see it: its record, the work it has, and the cap that applies to it. */
export interface DestinationStatus {
  record: DestinationRecord;
  load: DestinationLoad;
  /** The in-flight cap in force: the destination's override, else HERALD_DESTINATION_CONCURRENCY. */
  maxConcurrency: number;
}

export interface DestinationLimits {
  maxConcurrency?: number | null;
  requestsPerSecond?: number | null;
}

/** The destination named by an operator (an origin), or a 400 naming the field. */
export function destinationParameter(text: string): string {
  const destination = parseDestination(text);
  if (destination === undefined) {
    throw new ValidationError([
      { field: 'destination', message: 'must be a URL-encoded http(s) origin such as https%3A%2F%2Fapi.vendor.com' },
    ]);
  }
  return destination;
}

function notFound(destination: string): HeraldError {
  return new HeraldError(
    'NOT_FOUND',
    `No record of ${JSON.stringify(destination)}: never sent to, or idle long enough to be forgotten`,
  );
}

async function statusOf(deps: AppDependencies, record: DestinationRecord): Promise<DestinationStatus> {
  const load = await deps.destinations.load(record.destination);
  return { record, load, maxConcurrency: deps.destinations.capOf(record) };
}

export async function listDestinations(
  deps: AppDependencies,
  limit: number,
  cursor?: string,
): Promise<{ items: DestinationStatus[]; nextCursor?: string }> {
  const page = await deps.destinations.list(limit, cursor);
  const items = await Promise.all(page.items.map((record) => statusOf(deps, record)));
  return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
}

export async function getDestination(deps: AppDependencies, destination: string): Promise<DestinationStatus> {
  const record = await deps.destinations.read(destination);
  if (!record) throw notFound(destination);
  return statusOf(deps, record);
}

/**
 * Applies an operator's change to a destination. One Herald has not seen yet is 404, unless the change
 * `creates` it: a pause or limits set ahead of the first notification (a vendor's maintenance window).
 */
async function changeDestination(
  deps: AppDependencies,
  destination: string,
  change: (record: DestinationRecord) => DestinationRecord,
  reason: string,
  creates: boolean,
): Promise<DestinationStatus> {
  const changed = await deps.destinations.change(destination, change, reason, creates);
  if (!changed) throw notFound(destination);
  deps.logger.info({ destination, reason }, 'destination changed by an operator');
  return statusOf(deps, changed);
}

export function updateDestinationLimits(
  deps: AppDependencies,
  destination: string,
  limits: DestinationLimits,
): Promise<DestinationStatus> {
  return changeDestination(
    deps,
    destination,
    (record) => ({
      ...record,
      ...(limits.maxConcurrency === undefined ? {} : { maxConcurrency: limits.maxConcurrency }),
      ...(limits.requestsPerSecond === undefined ? {} : { requestsPerSecond: limits.requestsPerSecond }),
    }),
    'limits changed',
    true,
  );
}

/**
 * Nothing is sent to a paused destination until it is resumed; its notifications spend no attempt. A
 * destination never sent to is created paused, so a vendor can be held before its maintenance window.
 */
export function pauseDestination(deps: AppDependencies, destination: string): Promise<DestinationStatus> {
  return changeDestination(deps, destination, (record) => ({ ...record, paused: true }), 'paused', true);
}

export function resumeDestination(deps: AppDependencies, destination: string): Promise<DestinationStatus> {
  return changeDestination(deps, destination, (record) => ({ ...record, paused: false }), 'resumed', false);
}
