import type { CostScenario } from './aws-cost.js';
import { PRICES } from './prices.js';

const oneKbOneAttempt = (scenarios: readonly CostScenario[]) =>
  scenarios
    .filter((s) => s.bodyBytes === 1024 && s.attempts === 1 && !s.ordered)
    .sort((a, b) => a.batchSize - b.batchSize);

/** The report table's rows for the batch scenarios: each against the same notifications sent one at a time. */
export function batchCostRows(scenarios: readonly CostScenario[]): string[][] {
  const [oneByOne, ...batches] = oneKbOneAttempt(scenarios);
  if (!oneByOne) return [];
  return batches.map((s) => [
    `AWS cost, ${s.label}`,
    `$${s.totalPerMillion.toFixed(2)} per million; ${s.perNotification.writeUnits.toFixed(2)} WCU, ` +
      `${s.perNotification.readUnits.toFixed(2)} RCU, ${s.perNotification.sqsBilledRequests.toFixed(2)} SQS requests, ` +
      `${s.perNotification.lambdaInvocations.toFixed(3)} Lambda invocations`,
    `${(s.totalPerMillion / oneByOne.totalPerMillion).toFixed(3)} × one at a time`,
  ]);
}

/**
 * What a batch changes: the HTTP API request, the ingest invocation and its duration, per
 * notification. The rest (writes, sends, the worker) is per notification whatever the request was,
 * and the worker's measured duration moves with the local engines' load more than the rest.
 */
function ingestSide(s: CostScenario): number {
  const perMillion = (starts: string) => s.lines.find((l) => l.item.startsWith(starts))?.perMillion ?? 0;
  return perMillion('API Gateway') + perMillion('Lambda duration, ingest') + (PRICES.lambdaRequest * 1e6) / s.batchSize;
}

/**
 * Single and batch ingest side by side, per notification (1 KB, one attempt): what a batch saves
 * is on the ingest side, so only these columns are compared. Empty when no batch was measured.
 */
export function batchCostTable(scenarios: readonly CostScenario[]): string[] {
  const columns = oneKbOneAttempt(scenarios);
  if (!columns.some((s) => s.batchSize > 1)) return [];
  const row = (name: string, cell: (s: CostScenario) => string) => `| ${name} | ${columns.map(cell).join(' | ')} |`;
  const measured = (pick: (p: CostScenario['perNotification']) => number, digits: number) => (s: CostScenario) =>
    pick(s.perNotification).toFixed(digits);
  const priced = (starts: string, digits: number) => (s: CostScenario) =>
    (s.lines.find((l) => l.item.startsWith(starts))?.quantity ?? 0).toFixed(digits);
  return [
    '**Ingest one at a time and in batches** (1 KB body, one attempt; per notification)',
    '',
    `| per notification | ${columns.map((s) => (s.batchSize === 1 ? 'POST /v1/notifications' : `batch of ${s.batchSize}`)).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    row(
      'DynamoDB write units',
      measured((p) => p.writeUnits, 2),
    ),
    row(
      'DynamoDB read units',
      measured((p) => p.readUnits, 2),
    ),
    row(
      'SQS requests (billed)',
      measured((p) => p.sqsBilledRequests, 2),
    ),
    row(
      'Lambda invocations (ingest + worker)',
      measured((p) => p.lambdaInvocations, 3),
    ),
    row('Lambda GB-seconds, ingest', priced('Lambda duration, ingest', 5)),
    row('API Gateway requests', priced('API Gateway', 3)),
    row('$ per million, ingest side (HTTP API, ingest invocations and duration)', (s) => ingestSide(s).toFixed(3)),
    row('**$ per million notifications**', (s) => `**${s.totalPerMillion.toFixed(2)}**`),
    row('notifications measured', (s) => String(s.notifications)),
  ];
}
