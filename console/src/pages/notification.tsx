import { useState } from 'preact/hooks';
import { api, type DeliveryAttempt, FINAL_STATUSES, type Notification } from '../api';
import { useAllowed } from '../caller';
import { link } from '../router';
import { Badge, ErrorNotice, Section, Time, Updated, useAction, usePoll, useTitle } from '../ui';

/** A JSON value or a string as the vendor received it, for a <pre>: always text. */
function asText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

async function load(id: string): Promise<{ notification: Notification; attempts: DeliveryAttempt[] }> {
  const [notification, history] = await Promise.all([api.notification(id), api.attempts(id)]);
  return { notification, attempts: history.attempts };
}

function Actions({ notification, onDone }: { notification: Notification; onDone: () => void }) {
  const action = useAction();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const allowed = useAllowed();
  const canRetry = allowed.act && notification.status === 'FAILED';
  const canCancel = allowed.act && (notification.status === 'PENDING' || notification.status === 'QUEUED');
  if (!canRetry && !canCancel) return null;
  const act = (call: () => Promise<unknown>) =>
    action.run(async () => {
      await call();
      setConfirmCancel(false);
      onDone();
    });
  return (
    <div class="actions">
      {canRetry && (
        <button type="button" disabled={action.busy} onClick={() => act(() => api.retry(notification.id))}>
          Retry
        </button>
      )}
      {canCancel && !confirmCancel && (
        <button type="button" class="danger" disabled={action.busy} onClick={() => setConfirmCancel(true)}>
          Cancel
        </button>
      )}
      {canCancel && confirmCancel && (
        <span class="confirm">
          No further attempt will be made.{' '}
          <button
            type="button"
            class="danger"
            disabled={action.busy}
            onClick={() => act(() => api.cancel(notification.id))}
          >
            Cancel notification
          </button>{' '}
          <button type="button" onClick={() => setConfirmCancel(false)}>
            Keep it
          </button>
        </span>
      )}
      <ErrorNotice error={action.error} />
    </div>
  );
}

function Timeline({ attempts }: { attempts: DeliveryAttempt[] }) {
  if (attempts.length === 0) return <p>No attempt yet.</p>;
  return (
    <table class="attempts">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Time</th>
          <th scope="col">Status code</th>
          <th scope="col">Category</th>
          <th scope="col">Response time</th>
          <th scope="col">Response body</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={a.attempt}>
            <td>{a.attempt}</td>
            <td>
              <Time iso={a.timestamp} />
            </td>
            <td>{a.statusCode === null ? '—' : `${a.statusCode} ${a.statusText ?? ''}`}</td>
            <td>
              <Badge value={a.category} />
            </td>
            <td>{a.responseTime} ms</td>
            <td>{a.errorDetails?.responseBody ? <pre class="snippet">{a.errorDetails.responseBody}</pre> : '—'}</td>
            <td>{a.errorDetails ? `${a.errorDetails.code}: ${a.errorDetails.message}` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Why the latest attempt failed, in a line: for a FAILED notification the reason it stopped, for one
 * still retrying why the last try did not do. Nothing when the latest attempt succeeded.
 */
function FailureReason({ notification: n }: { notification: Notification }) {
  const result = n.deliveryResult;
  if (!result || result.success || n.status === 'SUCCESS') return null;
  const failed = n.status === 'FAILED';
  const outcome = result.statusCode === null ? result.category : `${result.statusCode} ${result.category}`;
  const detail = result.errorDetails ? `: ${result.errorDetails.code}, ${result.errorDetails.message}` : '';
  return (
    <section class="notice error failure" aria-label={failed ? 'Why it failed' : 'Why the last attempt failed'}>
      <p>
        <strong>
          {failed ? `Failed after ${n.attempts} attempt${n.attempts === 1 ? '' : 's'}` : 'Last attempt failed'}
        </strong>{' '}
        ({outcome}
        {detail}){failed ? '' : ', to be tried again'}
      </p>
    </section>
  );
}

export function NotificationPage({ id }: { id: string }) {
  useTitle(`Notification ${id}`);
  // Faster while the notification can still change, so a retry is seen turning SUCCESS.
  const polled = usePoll(
    () => load(id),
    (data) => (data && FINAL_STATUSES.includes(data.notification.status) ? 10_000 : 1000),
    id,
  );
  const n = polled.data?.notification;

  return (
    <>
      <p>
        <a href={link('notifications')}>← Notifications</a>
      </p>
      <h1>
        Notification <span class="mono">{id}</span>
      </h1>
      <Updated at={polled.at} />
      <ErrorNotice error={polled.error} />
      {n && (
        <>
          <FailureReason notification={n} />
          <Section title="Summary">
            <dl class="facts">
              <dt>Status</dt>
              <dd>
                <Badge value={n.status} />
              </dd>
              <dt>Destination</dt>
              <dd>
                <a href={link('notifications', { destination: n.destination })}>{n.destination}</a>
              </dd>
              <dt>Caller</dt>
              <dd class="mono">{n.caller}</dd>
              <dt>Attempts</dt>
              <dd>{n.attempts}</dd>
              <dt>Max attempts</dt>
              <dd>{n.maxAttempts} in all (a retry grants as many again as were sent)</dd>
              <dt>Created</dt>
              <dd>
                <Time iso={n.createdAt} />
              </dd>
              <dt>Last update</dt>
              <dd>
                <Time iso={n.lastUpdatedAt} />
              </dd>
              <dt>Next attempt</dt>
              <dd>
                <Time iso={n.nextAttemptAt} />
              </dd>
              <dt>Delivered</dt>
              <dd>
                <Time iso={n.deliveredAt} />
              </dd>
            </dl>
            <Actions notification={n} onDone={polled.refresh} />
          </Section>

          <Section title="Request">
            <p class="request-line">
              <span class="mono">{n.method}</span> <span class="mono">{n.url}</span>
            </p>
            <table class="headers">
              <caption>Headers (sensitive values as the API redacts them)</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(n.headers).map(([name, value]) => (
                  <tr key={name}>
                    <td class="mono">{name}</td>
                    <td class="mono">{value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Body</h3>
            {n.body === null || n.body === undefined ? <p>No body.</p> : <pre class="body">{asText(n.body)}</pre>}
            <dl class="facts">
              <dt>Idempotency key</dt>
              <dd class="mono">{n.idempotencyKey ?? '—'}</dd>
              <dt>Timeout</dt>
              <dd>{n.timeoutMs} ms</dd>
              <dt>Signed</dt>
              <dd>{n.sign ? 'yes' : 'no'}</dd>
              <dt>Metadata</dt>
              <dd>{n.metadata ? <pre class="body">{asText(n.metadata)}</pre> : '—'}</dd>
            </dl>
          </Section>

          <Section title="Attempts">
            <Timeline attempts={polled.data?.attempts ?? []} />
          </Section>
        </>
      )}
    </>
  );
}
