import { check, fixed, int, markdownTable, mb, ms } from '../format.js';
import type { OpenLoopRun } from './open-loop-runs.js';

export interface OpenLoopTargets {
  ingestP99Ms: number;
  serviceCpuPercentOfOneCore: number;
}

/** The open-loop runs side by side, then Herald's figures against its targets. */
export function renderOpenLoop(runs: OpenLoopRun[], targets: OpenLoopTargets): string[] {
  const rows: string[][] = [];
  let offered = '';
  for (const run of runs) {
    if (!('result' in run)) {
      rows.push([run.label, `skipped: ${run.skipped}`, '', '', '', '', '', '']);
      continue;
    }
    const r = run.result;
    offered = `${int(r.ratePerSecond)} notifications/s offered for ${r.durationSeconds} s`;
    rows.push([
      run.label,
      `${int(r.sent)} / ${int(r.accepted)}` +
        (r.rejected + r.errors > 0 ? ` (${r.rejected} non-202, ${r.errors} errors)` : ''),
      `${ms(r.ingestP50Ms)} / ${ms(r.ingestP99Ms)} / ${ms(r.ingestMaxMs)}`,
      `${ms(r.sendLagP99Ms)} / ${ms(r.sendLagMaxMs)}`,
      `${int(r.delivered)}${r.missing > 0 ? ` (${int(r.missing)} missing)` : ''}`,
      r.drainSeconds === null ? 'did not drain' : `${fixed(r.drainSeconds, 2)} s`,
      r.serviceCpuPercentOfOneCore === null ? 'n/a' : `${fixed(r.serviceCpuPercentOfOneCore, 0)}%`,
      mb(r.peakRssMb),
    ]);
  }
  const lines = [
    `### Open loop: ${offered || 'a steady offered load'}, each request sent when due whatever the answers`,
    '',
    ...markdownTable(
      [
        'service',
        'sent / accepted',
        'ingest p50 / p99 / max, from the due time',
        'load generator late p99 / max',
        'delivered',
        'drain: last request due → last delivery',
        'service CPU, % of one core',
        'peak RSS (summed over processes)',
      ],
      rows,
    ),
  ];
  const herald = runs.find((run) => run.name === 'herald');
  if (herald && 'result' in herald) {
    const { ingestP99Ms, serviceCpuPercentOfOneCore: cpu } = herald.result;
    lines.push(
      '',
      `- target: Herald open-loop ingest p99 ≤ ${targets.ingestP99Ms} ms; measured ${ms(ingestP99Ms)}: ${check(ingestP99Ms !== null && ingestP99Ms <= targets.ingestP99Ms)}`,
      `- target: Herald service CPU ≤ ${targets.serviceCpuPercentOfOneCore}% of one core; measured ${cpu === null ? 'n/a' : `${fixed(cpu, 0)}%`}: ${check(cpu !== null && cpu <= targets.serviceCpuPercentOfOneCore)}`,
    );
    for (const peer of runs) {
      if (peer === herald || !('result' in peer)) continue;
      const peerCpu = peer.result.serviceCpuPercentOfOneCore;
      if (cpu === null || peerCpu === null || peerCpu === 0) continue;
      lines.push(`- Herald's service CPU ÷ ${peer.label}'s, same load: ${fixed(cpu / peerCpu, 2)} ×`);
    }
  }
  return lines;
}
