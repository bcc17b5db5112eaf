import type { Command } from 'commander';
import { queryString } from './api-client.js';
import { contextOf } from './context.js';
import { type ListFlags, listQuery } from './notification-commands.js';
import { jsonText, printJson, table } from './output.js';
import { UsageError, wholeNumber } from './send-input.js';
import { type DestinationRecord, destinationsTable, type NotificationRecord, notificationsTable } from './views.js';

const FINAL = 'SUCCESS,FAILED,CANCELLED';

/** `none` clears a destination's override; anything else must be a whole number. */
function limitValue(text: string | undefined, what: string): number | null | undefined {
  if (text === undefined) return undefined;
  return text === 'none' ? null : wholeNumber(text, what);
}

export function registerOperatorCommands(program: Command): void {
  const destinations = program.command('destinations').description("destinations' state and limits");
  destinations
    .command('list', { isDefault: true })
    .description('every destination, with its state and load')
    .action(async (_flags: unknown, command: Command) => {
      const { api, output } = contextOf(command);
      const items: DestinationRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.request<{ items: DestinationRecord[]; nextCursor: string | null }>(
          'GET',
          `/v1/destinations${queryString({ limit: 100, cursor })}`,
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      output.json ? printJson(output, { items }) : output.data(destinationsTable(output, items));
    });
  for (const [name, description] of [
    ['pause', 'stop deliveries to a destination (its notifications wait, spending no attempts)'],
    ['resume', 'deliver to a paused destination again'],
  ] as const) {
    destinations
      .command(`${name} <origin>`)
      .description(description)
      .action(async (origin: string, _flags: unknown, command: Command) => {
        const { api, output } = contextOf(command);
        const body = await api.request<DestinationRecord>(
          'POST',
          `/v1/destinations/${encodeURIComponent(origin)}/${name}`,
        );
        output.json ? printJson(output, body) : output.data(destinationsTable(output, [body]));
      });
  }
  destinations
    .command('limit <origin>')
    .description("set a destination's limits (`none` clears one back to the default)")
    .option('--max-concurrency <n>', 'deliveries in flight at most, or none')
    .option('--rps <n>', 'requests per second at most, or none')
    .action(async (origin: string, flags: { maxConcurrency?: string; rps?: string }, command: Command) => {
      const { api, output } = contextOf(command);
      const maxConcurrency = limitValue(flags.maxConcurrency, '--max-concurrency');
      const requestsPerSecond = limitValue(flags.rps, '--rps');
      if (maxConcurrency === undefined && requestsPerSecond === undefined) {
        throw new UsageError('limit needs --max-concurrency or --rps');
      }
      const body = await api.request<DestinationRecord>('PATCH', `/v1/destinations/${encodeURIComponent(origin)}`, {
        ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
        ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
      });
      output.json ? printJson(output, body) : output.data(destinationsTable(output, [body]));
    });

  program
    .command('whoami')
    .description('the caller this key names and its role (send, read or operate)')
    .action(async (_flags: unknown, command: Command) => {
      const { api, output } = contextOf(command);
      const caller = await api.request<{ name: string; role: string }>('GET', '/v1/caller');
      output.json ? printJson(output, caller) : output.data(table(['NAME', 'ROLE'], [[caller.name, caller.role]]));
    });

  program
    .command('stats')
    .description('counts by status, the oldest due time, destinations by state')
    .action(async (_flags: unknown, command: Command) => {
      const { api, output } = contextOf(command);
      const stats = await api.request<{
        byStatus: Record<string, number | null>;
        oldestDueAt: string | null;
        destinations: Record<string, number>;
        exact: boolean;
      }>('GET', '/v1/stats');
      if (output.json) return printJson(output, stats);
      const rows = [
        ...Object.entries(stats.byStatus).map(([status, count]) => [
          output.status(status),
          count === null ? '-' : String(count),
        ]),
        ['oldest due at', stats.oldestDueAt ?? '-'],
        ...Object.entries(stats.destinations).map(([state, count]) => [
          `destinations ${output.status(state)}`,
          String(count),
        ]),
      ];
      output.data(table(['', stats.exact ? 'COUNT' : 'COUNT (approximate; - unknown)'], rows));
    });

  program
    .command('tail')
    .description('follow new outcomes (SUCCESS, FAILED, CANCELLED) by polling the list')
    .option('--since <time>', 'watch notifications created from this time on (ISO 8601; default: 5 minutes ago)')
    .option('--destination <origin>', 'only this destination')
    .option('--interval <ms>', 'between polls', '2000')
    .option('--count <n>', 'exit after this many outcomes')
    .action(
      async (flags: { since?: string; destination?: string; interval: string; count?: string }, command: Command) => {
        const { api, output } = contextOf(command);
        const interval = wholeNumber(flags.interval, '--interval');
        const count = flags.count === undefined ? undefined : wholeNumber(flags.count, '--count');
        const since = flags.since ?? new Date(Date.now() - 5 * 60_000).toISOString();
        const query: ListFlags = { status: FINAL, createdAfter: since, destination: flags.destination, limit: '100' };
        const seen = new Set<string>();
        let printed = 0;
        let stopped = false;
        process.once('SIGINT', () => {
          stopped = true;
        });
        // The first poll only notes what is final already: tail shows what happens from now on.
        for (let poll = 0; !stopped; poll++) {
          const fresh: NotificationRecord[] = [];
          let cursor: string | undefined;
          do {
            const page = await api.request<{ items: NotificationRecord[]; nextCursor: string | null }>(
              'GET',
              `/v1/notifications${listQuery(query, cursor)}`,
            );
            for (const item of page.items) if (!seen.has(item.id)) fresh.push(item);
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined);
          // Oldest created first, as a log reads; one line each (JSON lines with --json).
          for (const item of fresh.reverse()) {
            seen.add(item.id);
            if (poll === 0) continue;
            output.data(output.json ? jsonText(item) : (notificationsTable(output, [item]).split('\n')[1] ?? ''));
            printed++;
            if (count !== undefined && printed >= count) return;
          }
          if (poll === 0) output.error(`following outcomes of notifications created since ${since}`);
          await new Promise((resolve) => setTimeout(resolve, interval));
        }
      },
    );
}
