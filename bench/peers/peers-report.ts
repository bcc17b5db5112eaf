import type { ServiceRunResult } from '../delivery-run.js';
import { cores, int, markdownTable, mb, ms, ratio } from '../format.js';
import { SINGLE_PROCESS_LABEL } from '../single-process.js';
import type { PeerResult } from './peers.js';

/**
 * Herald's closed-loop run next to each peer's, from the same bench run: throughput, Herald ÷ peer,
 * latency against Little's law, CPU and peak RSS. Ratios need the `single` step in the run.
 */
export function renderPeersTable(
  peers: PeerResult[],
  herald: ServiceRunResult | undefined,
  ceilingRequestsPerSecond: number | undefined,
): string[] {
  const anyRun = herald ?? peers.find((p): p is Extract<PeerResult, { result: unknown }> => 'result' in p)?.result;
  const rows: string[][] = [];
  const row = (label: string, s: ServiceRunResult) => {
    const i = s.ingest;
    const e = s.endToEnd;
    const micros = s.cpuCores.serviceMicrosPerNotification;
    const heraldMicros = herald?.cpuCores.serviceMicrosPerNotification ?? null;
    const heraldOver = (figure: (run: ServiceRunResult) => number) =>
      herald && s !== herald ? ratio(figure(herald) / figure(s)) : '';
    rows.push([
      label,
      `${int(i.requestsPerSecond)} req/s; p50 ${ms(i.latencyP50Ms)}, p99 ${ms(i.latencyP99Ms)}`,
      ms(i.littlesLawLatencyMs),
      `${int(e.deliveredPerSecond)}/s${e.missing > 0 ? ` (${int(e.missing)} missing)` : ''}`,
      ceilingRequestsPerSecond ? ratio(e.deliveredPerSecond / ceilingRequestsPerSecond) : '',
      heraldOver((run) => run.endToEnd.deliveredPerSecond),
      heraldOver((run) => run.ingest.requestsPerSecond),
      `${cores(s.cpuCores.service)} (${micros === null ? 'n/a' : int(micros)} µs)`,
      heraldMicros !== null && micros !== null && s !== herald ? ratio(heraldMicros / micros) : '',
      mb(s.peakRssMb),
    ]);
  };
  if (herald) row(SINGLE_PROCESS_LABEL, herald);
  for (const peer of peers) {
    if ('result' in peer) row(peer.label, peer.result);
    else rows.push([peer.label, `skipped: ${peer.skipped}`, '', '', '', '', '', '', '', '']);
  }
  const load = anyRun
    ? `${int(anyRun.ingest.notifications)} notifications (1 KB body), ${anyRun.ingest.connections} connections, closed loop`
    : 'closed loop';
  return [
    `### Herald and what a team would build instead: ${load}`,
    '',
    ...markdownTable(
      [
        'service',
        'ingest',
        "Little's law: connections ÷ req/s",
        'delivered (end to end)',
        '× ceiling',
        'Herald ÷ this, delivered/s',
        'Herald ÷ this, ingest req/s',
        'CPU, cores (per notification)',
        'Herald ÷ this, CPU per notification',
        'peak RSS (summed over processes)',
      ],
      rows,
    ),
  ];
}
