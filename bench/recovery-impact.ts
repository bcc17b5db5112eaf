import { join } from 'node:path';
import { request } from 'undici';
import { runOpenLoop, type WindowLatency, windowLatency } from './open-loop.js';
import { getJson, type Sink } from './processes.js';
import { progress } from './progress.js';
import { writeSettledNotifications } from './settled-notifications.js';
import { spawnBuiltServer } from './single-process.js';

export interface RecoveryImpact {
  /** FAILED notifications of one destination in the file: what the recovery retries. */
  failed: number;
  preparationSeconds: number;
  /** Ingest on the same server, warmed up, before the recovery starts. */
  baseline: WindowLatency;
  /** Ingest from `POST /v1/recoveries` on, for as long as the baseline. */
  duringRecovery: WindowLatency;
  /** The job at the end of that window (GET /v1/recoveries/{id}). */
  job: { state: string; matched: number; retried: number; skipped: number };
  /** Of the recovered notifications, how many the sink had received by then. */
  recoveredDelivered: number;
}

export interface RecoveryImpactOptions {
  dir: string;
  sink: Sink;
  payload: unknown;
  failed: number;
  ratePerSecond: number;
  /** Unmeasured load first, so that the baseline does not carry the server's start-up. */
  warmupSeconds: number;
  windowSeconds: number;
}

/**
 * Ingest latency while a bulk recovery runs (single process, SQLite): a file holding `failed`
 * FAILED notifications of one destination (the sink, which now answers 200), the server started on
 * it and warmed up, the open-loop load measured for a window, then `POST /v1/recoveries` for that destination and
 * the same load for another window while the job retries and the worker delivers them.
 */
export async function measureRecoveryImpact(options: RecoveryImpactOptions): Promise<RecoveryImpact> {
  const dbPath = join(options.dir, 'recovery.db');
  const url = `${options.sink.url}/ok`;
  const fmt = (n: number) => n.toLocaleString('en-US');
  const prepStarted = performance.now();
  const ids = await writeSettledNotifications(dbPath, {
    count: options.failed,
    status: 'FAILED',
    url,
    body: options.payload,
    // Within the retention period: nothing of them is purged meanwhile.
    firstCreatedAt: Date.now() - 86_400_000,
    spacingMs: 1,
    onProgress: (written) => progress(`writing ${fmt(written)}/${fmt(options.failed)} FAILED notifications`),
  });
  const preparationSeconds = (performance.now() - prepStarted) / 1000;
  const load = { body: JSON.stringify({ url, body: options.payload }), ratePerSecond: options.ratePerSecond };

  const service = await spawnBuiltServer({ HERALD_DB_PATH: dbPath });
  try {
    await runOpenLoop({
      ...load,
      serviceUrl: service.url,
      maxSeconds: options.warmupSeconds,
      onSecond: (answered) => progress(`warm-up: ${fmt(answered)} answered`),
    });
    const baseline = await runOpenLoop({
      ...load,
      serviceUrl: service.url,
      maxSeconds: options.windowSeconds,
      onSecond: (answered) => progress(`baseline, no recovery: ${fmt(answered)} answered`),
    });
    await options.sink.reset();
    const started = await request(`${service.url}/v1/recoveries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ destination: options.sink.url }),
    });
    const text = await started.body.text();
    if (started.statusCode !== 202) throw new Error(`POST /v1/recoveries answered ${started.statusCode}: ${text}`);
    const { id } = JSON.parse(text) as { id: string };
    const duringRecovery = await runOpenLoop({
      ...load,
      serviceUrl: service.url,
      maxSeconds: options.windowSeconds,
      onSecond: (answered) => progress(`during the recovery: ${fmt(answered)} answered`),
    });
    const { state, matched, retried, skipped } = await getJson<RecoveryImpact['job']>(
      `${service.url}/v1/recoveries/${id}`,
    );
    const receipts = await options.sink.receipts();
    await options.sink.reset();
    return {
      failed: options.failed,
      preparationSeconds,
      baseline: windowLatency(baseline),
      duringRecovery: windowLatency(duringRecovery),
      job: { state, matched, retried, skipped },
      recoveredDelivered: ids.filter((failedId) => receipts[failedId] !== undefined).length,
    };
  } finally {
    await service.stop();
  }
}
