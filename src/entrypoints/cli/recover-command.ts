import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { contextOf } from './context.js';
import { printJson, table } from './output.js';
import { recoveryJob } from './responses.js';
import { wholeNumber } from './send-input.js';

interface RecoverFlags {
  destination?: string;
  createdAfter?: string;
  createdBefore?: string;
  interval: string;
}

/**
 * `herald recover`: starts a bulk recovery of FAILED notifications (POST /v1/recoveries) and follows
 * it to its end (GET /v1/recoveries/{id}): a live progress bar on stderr when it is a terminal, the
 * final job on stdout. Exit 0 when the job is DONE, 1 when it FAILED.
 */
export function registerRecoverCommand(program: Command): void {
  program
    .command('recover')
    .description('retry every FAILED notification that matches, in a paced background job, and follow it')
    .option('--destination <origin>', 'only this destination')
    .option('--created-after <time>', 'created at or after this time (ISO 8601)')
    .option('--created-before <time>', 'created before this time (ISO 8601)')
    .option('--interval <ms>', 'between progress polls', '500')
    .action(async (flags: RecoverFlags, command: Command) => {
      const { api, output } = contextOf(command);
      const interval = wholeNumber(flags.interval, '--interval');
      let job = await api.request('POST', '/v1/recoveries', recoveryJob, {
        ...(flags.destination === undefined ? {} : { destination: flags.destination }),
        ...(flags.createdAfter === undefined ? {} : { createdAfter: flags.createdAfter }),
        ...(flags.createdBefore === undefined ? {} : { createdBefore: flags.createdBefore }),
      });
      const bar =
        process.stderr.isTTY === true && !output.json
          ? new SingleBar({ format: 'recovering [{bar}] {value}/{total} done ({retried} retried, {skipped} skipped)' })
          : undefined;
      bar?.start(Math.max(job.matched, 1), 0, { retried: 0, skipped: 0 });
      while (job.state === 'RUNNING') {
        await new Promise((resolve) => setTimeout(resolve, interval));
        job = await api.request('GET', `/v1/recoveries/${encodeURIComponent(job.id)}`, recoveryJob);
        if (job.counting) continue; // no total to show progress against yet
        bar?.setTotal(Math.max(job.matched, 1));
        bar?.update(job.retried + job.skipped, { retried: job.retried, skipped: job.skipped });
      }
      bar?.stop();
      if (output.json) printJson(output, job);
      else {
        output.data(
          table(
            ['ID', 'STATE', 'MATCHED', 'RETRIED', 'SKIPPED', 'FINISHED'],
            [
              [
                job.id,
                output.status(job.state),
                String(job.matched),
                String(job.retried),
                String(job.skipped),
                job.finishedAt ?? '-',
              ],
            ],
          ),
        );
      }
      if (job.state === 'FAILED') {
        output.error(`recovery ${job.id} failed${job.error ? `: ${job.error}` : ''}`);
        process.exitCode = 1;
      }
    });
}
