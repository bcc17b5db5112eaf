import { useState } from 'preact/hooks';
import { allDestinations, api, type Destination } from '../api';
import { useAllowed } from '../caller';
import { link } from '../router';
import { age, Badge, count, ErrorNotice, Time, Updated, useAction, usePoll, useTitle } from '../ui';
import { byUrgency } from './overview';

/** An input's number, or null when empty (the API reads null as "clear the override"). */
function numberOrNull(value: string): number | null {
  return value.trim() === '' ? null : Number(value);
}

function LimitsForm({ destination, onDone }: { destination: Destination; onDone: () => void }) {
  const [concurrency, setConcurrency] = useState(String(destination.maxConcurrencyOverride ?? ''));
  const [rate, setRate] = useState(String(destination.requestsPerSecond ?? ''));
  const save = useAction();
  const id = encodeURIComponent(destination.destination);
  return (
    <form
      class="limits"
      aria-label={`Limits of ${destination.destination}`}
      onSubmit={(event) => {
        event.preventDefault();
        void save.run(async () => {
          await api.setLimits(destination.destination, {
            maxConcurrency: numberOrNull(concurrency),
            requestsPerSecond: numberOrNull(rate),
          });
          onDone();
        });
      }}
    >
      <div class="field">
        <label for={`concurrency-${id}`}>Max concurrency (empty: the default)</label>
        <input
          id={`concurrency-${id}`}
          type="number"
          min="1"
          step="1"
          value={concurrency}
          onInput={(event) => setConcurrency(event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={`rate-${id}`}>Requests per second (empty: no limit)</label>
        <input
          id={`rate-${id}`}
          type="number"
          min="0"
          step="any"
          value={rate}
          onInput={(event) => setRate(event.currentTarget.value)}
        />
      </div>
      <div class="field actions">
        <button type="submit" disabled={save.busy}>
          Save limits
        </button>
      </div>
      <ErrorNotice error={save.error} />
    </form>
  );
}

function DestinationRow({ destination: d, onChange }: { destination: Destination; onChange: () => void }) {
  const [editing, setEditing] = useState(false);
  const toggle = useAction();
  const { operate } = useAllowed();
  const paused = d.state === 'PAUSED';
  const held = d.state === 'OPEN' ? d.openUntil : d.retryAfterUntil;
  return (
    <>
      <tr data-destination={d.destination}>
        <th scope="row">
          <a href={link('notifications', { destination: d.destination })}>{d.destination}</a>
        </th>
        <td>
          <Badge value={d.state} />
        </td>
        <td>{count(d.inFlight)}</td>
        <td>{count(d.waiting)}</td>
        <td>{d.consecutiveFailures}</td>
        <td>
          {d.maxConcurrency} in flight{d.maxConcurrencyOverride === null ? ' (default)' : ''}
          <br />
          {d.requestsPerSecond === null ? 'no rate limit' : `${d.requestsPerSecond} / s`}
        </td>
        <td>{held && Date.parse(held) > Date.now() ? <Time iso={held} /> : '—'}</td>
        <td title={d.lastSuccessAt ?? undefined}>{d.lastSuccessAt ? `${age(d.lastSuccessAt)} ago` : '—'}</td>
        <td>
          {operate ? (
            <div class="row-actions">
              <button
                type="button"
                disabled={toggle.busy}
                onClick={() =>
                  toggle.run(async () => {
                    await (paused ? api.resume(d.destination) : api.pause(d.destination));
                    onChange();
                  })
                }
              >
                {paused ? 'Resume' : 'Pause'}
              </button>
              <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
                Limits
              </button>
            </div>
          ) : (
            '—'
          )}
          <ErrorNotice error={toggle.error} />
        </td>
      </tr>
      {editing && (
        <tr class="editor">
          <td colSpan={9}>
            <LimitsForm
              destination={d}
              onDone={() => {
                setEditing(false);
                onChange();
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

export function DestinationsPage() {
  useTitle('Destinations');
  const list = usePoll(() => allDestinations(), 5000);
  return (
    <>
      <h1>Destinations</h1>
      <p>
        Each vendor origin is a destination. Pausing one holds its notifications without spending attempts; resuming
        lets them go. Limits apply per Herald process.
      </p>
      <Updated at={list.at} />
      <ErrorNotice error={list.error} />
      {list.data && list.data.length === 0 && <p>No destination has been used yet.</p>}
      {list.data && list.data.length > 0 && (
        <section aria-label="All destinations">
          <table class="destinations">
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">State</th>
                <th scope="col">In flight</th>
                <th scope="col">Waiting</th>
                <th scope="col">Failures in a row</th>
                <th scope="col">Limits</th>
                <th scope="col">Held until</th>
                <th scope="col">Last success</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {[...list.data].sort(byUrgency).map((d) => (
                <DestinationRow key={d.destination} destination={d} onChange={list.refresh} />
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
