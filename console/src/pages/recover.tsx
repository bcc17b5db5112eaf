import { useState } from 'preact/hooks';
import { api, countMatching, type Recovery } from '../api';
import { useAllowed } from '../caller';
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
  const { operate } = useAllowed();
  const found = matching.data;
  const unfiltered = !destination && !createdAfter && !createdBefore;
  const [confirming, setConfirming] = useState(false);
  const startRecovery = () =>
    start.run(async () => {
      const job = await api.startRecovery(filters);
      navigate(link('recover', job.id));
    });

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
      {operate && !confirming && (
        <button
          type="button"
          disabled={start.busy || !found || found.count === 0}
          onClick={() => (unfiltered ? setConfirming(true) : startRecovery())}
        >
          Start recovery
        </button>
      )}
      {operate && confirming && found && (
        // Without a filter a recovery retries every FAILED notification, of every vendor: asked first.
        <fieldset class="confirm" aria-label="Confirm the recovery">
          <p>
            No filter: this retries every FAILED notification ({found.complete ? '' : 'at least '}
            {found.count}), of every destination, each with a fresh budget of attempts.
          </p>
          <button type="button" class="danger" disabled={start.busy} onClick={startRecovery}>
            Recover all {found.count}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Keep them
          </button>
        </fieldset>
      )}
      <ErrorNotice error={start.error} />
    </>
  );
}

function RecoveryView({ job }: { job: Recovery }) {
  const handled = job.retried + job.skipped;
  return (
    <>
      <p class="recovery-state">
        <Badge value={job.state} />
      </p>
      <label for="recovery-progress">
        {job.counting ? `Counting matches: ${job.matched} so far` : `${handled} of ${job.matched} handled`}
      </label>
      {/* Indeterminate while counting: the total is not known yet. */}
      {job.counting ? (
        <progress id="recovery-progress" />
      ) : (
        <progress id="recovery-progress" max={Math.max(job.matched, 1)} value={job.matched === 0 ? 1 : handled} />
      )}
      <dl class="facts">
        <dt>Matched</dt>
        <dd>{job.matched}</dd>
        <dt>Retried</dt>
        <dd>{job.retried}</dd>
        <dt>Skipped (no longer FAILED)</dt>
        <dd>{job.skipped}</dd>
        <dt>Destination</dt>
        <dd>{job.filter.destination ?? 'any'}</dd>
        <dt>Created</dt>
        <dd>
          {job.filter.createdAfter ? <Time iso={job.filter.createdAfter} /> : 'any time'} –{' '}
          {job.filter.createdBefore ? <Time iso={job.filter.createdBefore} /> : 'now'}
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={job.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time iso={job.finishedAt} />
        </dd>
      </dl>
      {job.error && <p class="notice error">The recovery stopped: {job.error}</p>}
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
        <section aria-label="Progress">
          <RecoveryView job={job} />
          {finished(job) && (
            <p>
              <a href={link('notifications', { ...filtersToParams(job.filter), status: undefined })}>
                See where they are now
              </a>
            </p>
          )}
        </section>
      )}
    </>
  );
}
