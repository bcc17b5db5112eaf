import { api, type Destination, type ListFilters, overviewDestinations, STATUSES } from '../api';
import { link } from '../router';
import { age, Badge, count, ErrorNotice, Section, Time, Updated, usePoll, useTitle } from '../ui';

const MINUTES = 60;
/** The least height of a bar that is not zero, in the chart's units (about pixels): one failure among hundreds of successes stays visible. */
const MIN_BAR = 4;
const CHART_PAGES = 10;

interface Minute {
  succeeded: number;
  failed: number;
}

/** Open breakers first, then half-open, then paused: what an operator looks at first during an incident. */
export const STATE_ORDER: Record<Destination['state'], number> = { OPEN: 0, HALF_OPEN: 1, PAUSED: 2, CLOSED: 3 };

export function byUrgency(a: Destination, b: Destination): number {
  return STATE_ORDER[a.state] - STATE_ORDER[b.state] || (b.waiting ?? 0) - (a.waiting ?? 0);
}

/**
 * Final outcomes per minute over the last hour, from the listing: the notifications accepted in the
 * last hour that ended, by when they ended (SUCCESS at deliveredAt, FAILED at its last update).
 * At most CHART_PAGES pages of 100 are read; `complete` says whether that was all of them.
 */
async function deliveriesLastHour(): Promise<{ minutes: Minute[]; complete: boolean; since: number }> {
  const now = Date.now();
  const since = now - MINUTES * 60_000;
  const minutes: Minute[] = Array.from({ length: MINUTES }, () => ({ succeeded: 0, failed: 0 }));
  const filters: ListFilters = { statuses: ['SUCCESS', 'FAILED'], createdAfter: new Date(since).toISOString() };
  let cursor: string | undefined;
  for (let page = 0; page < CHART_PAGES; page++) {
    const { items, nextCursor } = await api.notifications(filters, cursor, 100);
    for (const n of items) {
      const ended = Date.parse((n.status === 'SUCCESS' ? n.deliveredAt : n.lastUpdatedAt) ?? '');
      if (!(ended >= since)) continue;
      const minute = minutes[Math.min(MINUTES - 1, Math.floor((ended - since) / 60_000))];
      if (minute) minute[n.status === 'SUCCESS' ? 'succeeded' : 'failed']++;
    }
    if (nextCursor === null) return { minutes, complete: true, since };
    cursor = nextCursor;
  }
  return { minutes, complete: false, since };
}

function DeliveriesChart({ minutes, complete }: { minutes: Minute[]; complete: boolean }) {
  const width = 600;
  const height = 120;
  const peak = Math.max(1, ...minutes.map((m) => m.succeeded + m.failed));
  const bar = width / minutes.length;
  const succeeded = minutes.reduce((sum, m) => sum + m.succeeded, 0);
  const failed = minutes.reduce((sum, m) => sum + m.failed, 0);
  const summary = `Deliveries per minute over the last hour: ${succeeded} succeeded, ${failed} failed, at most ${peak} in one minute${complete ? '' : ' (the latest 1000 only)'}.`;
  const y = (value: number) => (value === 0 ? 0 : Math.max(MIN_BAR, (value / peak) * (height - 1)));
  // The SVG stretches to the page's width (preserveAspectRatio none), so its text lives outside it.
  return (
    <figure class="chart">
      <div class="chart-peak">{peak} / min</div>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1="0" x2={width} y1="0.5" y2="0.5" class="grid" />
        <line x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} class="axis" />
        {minutes.map((m, i) => {
          const x = i * bar + 1;
          let ok = y(m.succeeded);
          let bad = y(m.failed);
          // Both least heights kept: when they push the bar past the top, the larger part gives way.
          const over = ok + bad - (height - 1);
          if (over > 0) {
            if (ok >= bad) ok -= over;
            else bad -= over;
          }
          return (
            <g key={i}>
              {m.succeeded > 0 && <rect x={x} width={bar - 2} y={height - 1 - ok} height={ok} class="ok" />}
              {m.failed > 0 && <rect x={x} width={bar - 2} y={height - 1 - ok - bad} height={bad} class="bad" />}
            </g>
          );
        })}
      </svg>
      <div class="chart-axis" aria-hidden="true">
        <span>60 min ago</span>
        <span>30 min ago</span>
        <span>now</span>
      </div>
      <figcaption>
        <span class="swatch ok" aria-hidden="true" /> succeeded {succeeded}{' '}
        <span class="swatch bad" aria-hidden="true" /> failed {failed}
        {complete ? '' : ' · the latest 1000 notifications only'}
      </figcaption>
    </figure>
  );
}

export function OverviewPage() {
  useTitle('Overview');
  const stats = usePoll(api.stats, 3000);
  const destinations = usePoll(overviewDestinations, 5000);
  const chart = usePoll(deliveriesLastHour, 15_000);
  const s = stats.data;

  return (
    <>
      <h1>Overview</h1>
      <Updated at={stats.at} />
      <ErrorNotice error={stats.error ?? destinations.error ?? chart.error} />

      <Section title="Notifications by status">
        <ul class="cards">
          {STATUSES.map((status) => (
            <li key={status}>
              <a href={link('notifications', { status })}>
                <Badge value={status} />
                <span class="value">{s ? count(s.byStatus[status]) : '…'}</span>
              </a>
            </li>
          ))}
        </ul>
        {s && !s.exact && (
          <p class="hint">This backend counts some statuses approximately (queue depth) or not at all (—).</p>
        )}
        <p>
          Oldest due notification:{' '}
          {!s ? (
            '…'
          ) : s.oldestDueAt ? (
            <>
              due since <Time iso={s.oldestDueAt} /> ({age(s.oldestDueAt)} waiting) ·{' '}
              <a href={link('notifications', { status: 'PENDING,QUEUED' })}>waiting notifications</a>
            </>
          ) : s.exact ? (
            'none is due (those a paused destination holds are left out)'
          ) : (
            'not known on this backend'
          )}
        </p>
      </Section>

      <Section title="Deliveries per minute, last hour">
        {chart.data ? <DeliveriesChart {...chart.data} /> : <p>Loading…</p>}
      </Section>

      <Section title="Destinations">
        {s && (
          <p>
            {(['OPEN', 'HALF_OPEN', 'PAUSED', 'CLOSED'] as const).map((state) => (
              <span key={state} class="state-count">
                <Badge value={state} /> {s.destinations[state]}
              </span>
            ))}
          </p>
        )}
        {destinations.data && destinations.data.length === 0 && <p>No destination has been used yet.</p>}
        {destinations.data && destinations.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">State</th>
                <th scope="col">In flight</th>
                <th scope="col">Waiting</th>
                <th scope="col">Failures in a row</th>
              </tr>
            </thead>
            <tbody>
              {[...destinations.data]
                .sort(byUrgency)
                .slice(0, 10)
                .map((d) => (
                  <tr key={d.destination}>
                    <td>
                      <a href={link('notifications', { destination: d.destination })}>{d.destination}</a>
                    </td>
                    <td>
                      <Badge value={d.state} />
                    </td>
                    <td>{count(d.inFlight)}</td>
                    <td>{count(d.waiting)}</td>
                    <td>{d.consecutiveFailures}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
        <p>
          <a href={link('destinations')}>All destinations, pause, resume and limits</a>
        </p>
      </Section>
    </>
  );
}
