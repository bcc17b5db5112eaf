import type { Command } from 'commander';
import { queryString } from './api-client.js';
import { contextOf } from './context.js';
import { printJson, table } from './output.js';
import { attemptList, type NotificationRecord, notificationPage, notificationRecord } from './responses.js';
import { notificationFrom, readStdin, type SendFlags } from './send-input.js';
import { notificationDetail, notificationsTable } from './views.js';

export interface ListFlags {
  status?: string;
  destination?: string;
  createdAfter?: string;
  createdBefore?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
}

/** The list query of GET /v1/notifications from the flags (the API validates every value). */
export function listQuery(flags: ListFlags, cursor?: string): string {
  return queryString({
    status: flags.status,
    destination: flags.destination,
    createdAfter: flags.createdAfter,
    createdBefore: flags.createdBefore,
    limit: flags.limit,
    cursor: cursor ?? flags.cursor,
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const id = (value: string) => encodeURIComponent(value);

export function registerNotificationCommands(program: Command): void {
  program
    .command('send')
    .description('send a notification (flags, or the JSON of --file; "-" reads stdin)')
    .option('--url <url>', "the vendor's URL")
    .option('-X, --method <method>', 'HTTP method (default POST)')
    .option('-H, --header <header>', 'a header "Name: value" (repeatable)', collect)
    .option('--body <text>', 'the body, sent as is')
    .option('--json-body <json>', 'the body as a JSON value, sent JSON-encoded')
    .option('--idempotency-key <key>', 'deduplicates retries of this send')
    .option('--ordering-key <key>', 'delivered one at a time, in order, with the others of this key')
    .option('--max-attempts <n>', 'attempts before FAILED')
    .option('--timeout-ms <ms>', 'per-attempt timeout')
    .option('--metadata <json>', 'a JSON object kept with the notification')
    .option('--sign', 'sign deliveries (Standard Webhooks)')
    .option('-f, --file <path>', 'a JSON notification; "-" for stdin')
    .action(async (flags: SendFlags, command: Command) => {
      const { api, output } = contextOf(command);
      const { status, body } = await api.exchange(
        'POST',
        '/v1/notifications',
        notificationRecord,
        await notificationFrom(flags, readStdin),
      );
      if (output.json) return printJson(output, body);
      output.data(notificationsTable(output, [body]));
      if (status === 200) output.error('already accepted with this idempotency key: nothing new was sent');
    });

  program
    .command('get <id>')
    .description('one notification')
    .action(async (notificationId: string, _flags: unknown, command: Command) => {
      const { api, output } = contextOf(command);
      const body = await api.request('GET', `/v1/notifications/${id(notificationId)}`, notificationRecord);
      output.json ? printJson(output, body) : output.data(notificationDetail(output, body));
    });

  program
    .command('attempts <id>')
    .description("a notification's attempts, oldest first")
    .action(async (notificationId: string, _flags: unknown, command: Command) => {
      const { api, output } = contextOf(command);
      const body = await api.request('GET', `/v1/notifications/${id(notificationId)}/attempts`, attemptList);
      if (output.json) return printJson(output, body);
      output.data(
        table(
          ['ATTEMPT', 'CATEGORY', 'STATUS CODE', 'RESPONSE MS', 'AT', 'ERROR'],
          body.attempts.map((a) => [
            String(a.attempt),
            String(a.category),
            a.statusCode === null ? '-' : String(a.statusCode),
            String(a.responseTime),
            String(a.timestamp),
            a.errorDetails?.message ?? '-',
          ]),
        ),
      );
    });

  program
    .command('list')
    .description('notifications, newest created first, without their bodies (`get <id>` shows one)')
    .option('--status <statuses>', 'a status or a comma list, e.g. QUEUED,FAILED')
    .option('--destination <origin>', 'only this destination, e.g. https://api.vendor.com')
    .option('--created-after <time>', 'created at or after (ISO 8601)')
    .option('--created-before <time>', 'created before (ISO 8601)')
    .option('--limit <n>', 'page size (at most 100)')
    .option('--cursor <cursor>', 'the page after this one')
    .option('--all', 'follow nextCursor to the last page')
    .action(async (flags: ListFlags, command: Command) => {
      const { api, output } = contextOf(command);
      const items: NotificationRecord[] = [];
      let page = await api.request('GET', `/v1/notifications${listQuery(flags)}`, notificationPage);
      items.push(...page.items);
      while (flags.all && page.nextCursor !== null) {
        page = await api.request('GET', `/v1/notifications${listQuery(flags, page.nextCursor)}`, notificationPage);
        items.push(...page.items);
      }
      if (output.json) return printJson(output, { items, nextCursor: page.nextCursor });
      output.data(notificationsTable(output, items));
      if (page.nextCursor !== null) output.error(`more: --cursor ${page.nextCursor} (or --all)`);
    });

  for (const [name, description] of [
    ['retry', 're-drive a FAILED notification'],
    ['cancel', 'cancel a PENDING or QUEUED notification'],
  ] as const) {
    program
      .command(`${name} <id>`)
      .description(description)
      .action(async (notificationId: string, _flags: unknown, command: Command) => {
        const { api, output } = contextOf(command);
        const body = await api.request('POST', `/v1/notifications/${id(notificationId)}/${name}`, notificationRecord);
        output.json ? printJson(output, body) : output.data(notificationsTable(output, [body]));
      });
  }
}
