import { useState } from 'preact/hooks';
import { allDestinations, type ListFilters, STATUSES, type Status } from './api';
import { isoToLocal, localToIso, usePoll, zone } from './ui';

/** The filters as a page's hash query holds them (`status=FAILED,QUEUED&destination=…`). */
export function filtersFromParams(params: URLSearchParams): ListFilters {
  const statuses = (params.get('status') ?? '')
    .split(',')
    .filter((s): s is Status => (STATUSES as readonly string[]).includes(s));
  return {
    statuses: statuses.length > 0 ? statuses : undefined,
    destination: params.get('destination') || undefined,
    createdAfter: params.get('createdAfter') || undefined,
    createdBefore: params.get('createdBefore') || undefined,
  };
}

export function filtersToParams(filters: ListFilters): Record<string, string | undefined> {
  return {
    status: filters.statuses?.join(','),
    destination: filters.destination,
    createdAfter: filters.createdAfter,
    createdBefore: filters.createdBefore,
  };
}

interface FilterFormProps {
  initial: ListFilters;
  /** Whether the status checkboxes are shown (the recovery always takes FAILED). */
  withStatus: boolean;
  submitLabel: string;
  onSubmit: (filters: ListFilters) => void;
}

/** Status, destination and created range, as the listing and the recoveries take them. */
export function FilterForm({ initial, withStatus, submitLabel, onSubmit }: FilterFormProps) {
  const [statuses, setStatuses] = useState<Status[]>(initial.statuses ?? []);
  const [destination, setDestination] = useState(initial.destination ?? '');
  const [after, setAfter] = useState(isoToLocal(initial.createdAfter));
  const [before, setBefore] = useState(isoToLocal(initial.createdBefore));
  const known = usePoll(() => allDestinations(), 60_000);

  const toggle = (status: Status, on: boolean) =>
    setStatuses((current) => STATUSES.filter((s) => (s === status ? on : current.includes(s))));

  return (
    <form
      class="filters"
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit({
          statuses: withStatus && statuses.length > 0 ? statuses : undefined,
          destination: destination.trim() || undefined,
          createdAfter: localToIso(after),
          createdBefore: localToIso(before),
        });
      }}
    >
      {withStatus && (
        <fieldset>
          <legend>Status</legend>
          {STATUSES.map((status) => (
            <label key={status} class="check">
              <input
                type="checkbox"
                name="status"
                value={status}
                checked={statuses.includes(status)}
                onChange={(event) => toggle(status, event.currentTarget.checked)}
              />
              {status}
            </label>
          ))}
        </fieldset>
      )}
      <div class="field">
        <label for="filter-destination">Destination</label>
        <input
          id="filter-destination"
          name="destination"
          list="known-destinations"
          placeholder="https://vendor.example.com"
          value={destination}
          onInput={(event) => setDestination(event.currentTarget.value)}
        />
        <datalist id="known-destinations">
          {(known.data ?? []).map((d) => (
            <option key={d.destination} value={d.destination} />
          ))}
        </datalist>
      </div>
      <div class="field">
        <label for="filter-after">Created after ({zone()})</label>
        <input
          id="filter-after"
          name="createdAfter"
          type="datetime-local"
          value={after}
          onInput={(event) => setAfter(event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="filter-before">Created before ({zone()})</label>
        <input
          id="filter-before"
          name="createdBefore"
          type="datetime-local"
          value={before}
          onInput={(event) => setBefore(event.currentTarget.value)}
        />
      </div>
      <div class="field actions">
        <button type="submit">{submitLabel}</button>
      </div>
    </form>
  );
}
