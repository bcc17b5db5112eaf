import type { Command } from 'commander';
import { queryString } from './api-client.js';
import { contextOf } from './context.js';
import { type ListFlags, listQuery } from './notification-commands.js';
import { jsonText, printJson, table } from './output.js';
import {
  caller,
  type DestinationRecord,
  destinationPage,
  destinationRecord,
  type NotificationRecord,
  notificationPage,
  stats as statsSchema,
} from './responses.js';
import { decimalNumber, UsageError, wholeNumber } from './send-input.js';
import { destinationsTable, notificationStream } from './views.js';

const FINAL = 'SUCCESS,FAILED,CANCELLED';

/** `none` clears a destination's override; anything else is a number `parse` accepts. */
function limitValue(
  text: string | undefined,
  what: string,
  parse: (text: string, what: string) => number,
): number | null | undefined {
  if (text === undefined) return undefined;
  return text === 'none' ? null : parse(text, what);
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
        const page = await api.request(
          'GET',
          `/v1/destinations${queryString({ limit: 100, cursor })}`,
          destinationPage,
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
        const body = await api.request(
          'POST',
          `/v1/destinations/${encodeURIComponent(origin)}/${name}`,
          destinationRecord,
        );
        output.json ? printJson(output, body) : output.data(destinationsTable(output, [body]));
      });
  }
  destinations
    .command('limit <origin>')
    .description("set a destination's limits (`none` clears one back to the default)")
    .option('--max-concurrency <n>', 'deliveries in flight at most, or none')
    .option('--rps <n>', 'requests per second at most (fractions allowed: 0.5 is one every 2 s), or none')
    .action(async (origin: string, flags: { maxConcurrency?: string; rps?: string }, command: Command) => {
      const { api, output } = contextOf(command);
      const maxConcurrency = limitValue(flags.maxConcurrency, '--max-concurrency', wholeNumber);
      const requestsPerSecond = limitValue(flags.rps, '--rps', decimalNumber);
      if (maxConcurrency === undefined && requestsPerSecond === undefined) {
        throw new UsageError('limit needs --max-concurrency or --rps');
      }
      const body = await api.request('PATCH', `/v1/destinations/${encodeURIComponent(origin)}`, destinationRecord, {
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
      const who = await api.request('GET', '/v1/caller', caller);
      output.json ? printJson(output, who) : output.data(table(['NAME', 'ROLE'], [[who.name, who.role]]));
    });

  program
    .command('stats')
    .description('counts by status, the oldest due time, destinations by state')
    .action(async (_flags: unknown, command: Command) => {
      const { api, output } = contextOf(command);
      const stats = await api.request('GET', '/v1/stats', statsSchema);
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
        // Rows line up under the header whatever the destination, when one is given.
        const rows = notificationStream(output, flags.destination?.length ?? 30);
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
            const page = await api.request('GET', `/v1/notifications${listQuery(query, cursor)}`, notificationPage);
            for (const item of page.items) if (!seen.has(item.id)) fresh.push(item);
            cursor = page.nextCursor ?? undefined;
          } while (cursor !== undefined);
          // Oldest created first, as a log reads; one line each (JSON lines with --json).
          for (const item of fresh.reverse()) {
            seen.add(item.id);
            if (poll === 0) continue;
            output.data(output.json ? jsonText(item) : rows.row(item));
            printed++;
            if (count !== undefined && printed >= count) return;
          }
          if (poll === 0) {
            if (!output.json) output.data(rows.header);
            output.error(`following outcomes of notifications created since ${since}`);
          }
          await new Promise((resolve) => setTimeout(resolve, interval));
        }
      },
    );
}
