import { useState } from 'preact/hooks';
import { api, type ListedNotification } from '../api';
import { FilterForm, filtersFromParams, filtersToParams } from '../filters';
import { link, navigate } from '../router';
import { age, Badge, ErrorNotice, Updated, usePoll, useTitle } from '../ui';

const PAGE_SIZE = 25;

/** The latest attempt in a few words: "503 SERVER_ERROR", "TIMEOUT", "200 SUCCESS". */
export function lastResult(n: ListedNotification): string {
  const result = n.deliveryResult;
  if (!result) return '—';
  return result.statusCode === null ? result.category : `${result.statusCode} ${result.category}`;
}

/** The URL's path, without its query (which may carry a token); the whole URL is on the notification's page. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

export function NotificationsPage({ params }: { params: URLSearchParams }) {
  useTitle('Notifications');
  const filters = filtersFromParams(params);
  const key = params.toString();
  // Cursors of the pages before this one, so Previous can go back; a new filter starts again at the first page.
  const [pages, setPages] = useState<{ key: string; cursors: string[] }>({ key, cursors: [] });
  const cursors = pages.key === key ? pages.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const list = usePoll(() => api.notifications(filters, cursor, PAGE_SIZE), 5000, `${key}|${cursor ?? ''}`);
  const page = list.data;

  return (
    <>
      <h1>Notifications</h1>
      <FilterForm
        key={key}
        initial={filters}
        withStatus
        submitLabel="Apply filters"
        onSubmit={(next) => navigate(link('notifications', filtersToParams(next)))}
      />
      <Updated at={list.at} />
      <ErrorNotice error={list.error} />
      {page && page.items.length === 0 && <p>No notification matches.</p>}
      {page && page.items.length > 0 && (
        <section aria-label="Results">
          <table class="notifications">
            <caption class="visually-hidden">Notifications, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Notification</th>
                <th scope="col">Destination and path</th>
                <th scope="col">Caller</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last result</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((n) => (
                <tr key={n.id} data-id={n.id}>
                  <td>
                    <a class="mono" href={link('notifications', n.id)}>
                      {n.id}
                    </a>
                  </td>
                  <td>
                    {n.destination}
                    <span class="path">{pathOf(n.url)}</span>
                  </td>
                  <td class="mono">{n.caller}</td>
                  <td>
                    <Badge value={n.status} />
                  </td>
                  <td title={`at most ${n.maxAttempts} in all (a retry grants as many again as were sent)`}>
                    {n.attempts}
                  </td>
                  <td>{lastResult(n)}</td>
                  <td title={n.createdAt}>{age(n.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setPages({ key, cursors: cursors.slice(0, -1) })}
        >
          Previous page
        </button>
        <span>Page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setPages({ key, cursors: [...cursors, page.nextCursor] })}
        >
          Next page
        </button>
      </nav>
    </>
  );
}
