import { useState } from 'preact/hooks';
import { ApiError, api, countMatching, type ListFilters, type Recovery } from '../api';
import { FilterForm, filtersFromParams, filtersToParams } from '../filters';
import { link, navigate } from '../router';
import { Badge, ErrorNotice, Time, Updated, useAction, usePoll, useTitle } from '../ui';

/** Choose which FAILED notifications to re-drive, see how many match, start the recovery. */
export function RecoverPage({ params }: { params: URLSearchParams }) {
  useTitle('Recover');
  const { destination, createdAfter, createdBefore } = filtersFromParams(params);
  const filters = { destination, createdAfter, createdBefore };
  const key = params.toString();
  const matching = usePoll(() => countMatching({ ...filters, statuses: ['FAILED'] }), 10_000, key);
  const start = useAction();
  const [local, setLocal] = useState<Recovery>();
  const found = matching.data;

  return (
    <>
      <h1>Recover failed notifications</h1>
      <p>
        A recovery retries every <Badge value="FAILED" /> notification that matches, each with a fresh budget of
        attempts and its history kept. Narrow it to the destination and time range of the incident.
      </p>
      <FilterForm
        key={key}
        initial={filters}
        withStatus={false}
        submitLabel="Count matching"
        onSubmit={(next) => navigate(link('recover', filtersToParams({ ...next, statuses: undefined })))}
      />
      <ErrorNotice error={matching.error} />
      <p class="matching" aria-live="polite">
        {found === undefined
          ? 'Counting…'
          : `${found.complete ? '' : 'At least '}${found.count} failed notification${found.count === 1 ? '' : 's'} match.`}
      </p>
      <button
        type="button"
        disabled={start.busy || !found || found.count === 0}
        onClick={() =>
          start.run(async () => {
            try {
              const job = await api.startRecovery(filters);
              navigate(link('recover', job.id));
            } catch (error) {
              if (!(error instanceof ApiError && error.status === 404)) throw error;
              // This Herald has no recovery jobs (no POST /v1/recoveries): retry them from this tab instead.
              try {
                await recoverInThisTab({ ...filters, statuses: ['FAILED'] }, setLocal);
              } finally {
                matching.refresh();
              }
            }
          })
        }
      >
        Start recovery
      </button>
      <ErrorNotice error={start.error} />
      {local && (
        <section aria-label="Recovery from this tab">
          <h2>Recovery from this tab</h2>
          <p>
            This Herald has no recovery jobs, so the console retries the matching notifications one by one itself. Keep
            this tab open until it is done.
          </p>
          <RecoveryView job={local} />
        </section>
      )}
    </>
  );
}

/**
 * What a recovery job does, done by the console through the public API: list the matching FAILED
 * notifications, then retry each; one no longer FAILED (retried meanwhile) answers 409 and is skipped.
 */
async function recoverInThisTab(filters: ListFilters, report: (job: Recovery) => void): Promise<void> {
  const job: Recovery = {
    id: 'in this tab',
    state: 'RUNNING',
    matched: 0,
    retried: 0,
    skipped: 0,
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.notifications(filters, cursor, 100);
    ids.push(...page.items.map((n) => n.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  job.matched = ids.length;
  report({ ...job });
  try {
    for (const id of ids) {
      try {
        await api.retry(id);
        job.retried++;
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) throw error;
        job.skipped++;
      }
      report({ ...job });
    }
    job.state = 'DONE';
  } catch (error) {
    job.state = 'FAILED';
    throw error;
  } finally {
    job.finishedAt = new Date().toISOString();
    report({ ...job });
  }
}

function RecoveryView({ job }: { job: Recovery }) {
  const handled = job.retried + job.skipped;
  return (
    <>
      <p class="recovery-state">
        <Badge value={job.state} />
      </p>
      <label for="recovery-progress">
        {handled} of {job.matched} handled
      </label>
      <progress id="recovery-progress" max={Math.max(job.matched, 1)} value={job.matched === 0 ? 1 : handled} />
      <dl class="facts">
        <dt>Matched</dt>
        <dd>{job.matched}</dd>
        <dt>Retried</dt>
        <dd>{job.retried}</dd>
        <dt>Skipped (no longer FAILED)</dt>
        <dd>{job.skipped}</dd>
        <dt>Started</dt>
        <dd>
          <Time iso={job.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time iso={job.finishedAt} />
        </dd>
      </dl>
    </>
  );
}

function finished(job: Recovery | undefined): boolean {
  return job !== undefined && job.state !== 'RUNNING';
}

/** One recovery job, polled until it is DONE or FAILED. */
export function RecoveryPage({ id }: { id: string }) {
  useTitle('Recovery');
  const polled = usePoll(
    () => api.recovery(id),
    (job) => (finished(job) ? 30_000 : 1000),
    id,
  );
  const job = polled.data;

  return (
    <>
      <p>
        <a href={link('recover')}>← Recover</a>
      </p>
      <h1>
        Recovery <span class="mono">{id}</span>
      </h1>
      <Updated at={polled.at} />
      <ErrorNotice error={polled.error} />
      {job && (
        <>
          <RecoveryView job={job} />
          {finished(job) && (
            <p>
              <a href={link('notifications', { status: 'QUEUED,PROCESSING,FAILED' })}>See where they are now</a>
            </p>
          )}
        </>
      )}
    </>
  );
}
