import type { VendorRequest } from './vendor-server.js';

/**
 * Where a vendor's log breaks ordered delivery: for each key's notifications in accepted order, a
 * request for one that arrived before the one ahead of it had been answered 2xx. Empty when the
 * order held. A notification sent again after a crash (at least once) breaks nothing, as long as
 * nothing behind it went first.
 */
export function orderViolations(lines: Map<string, string[]>, requests: VendorRequest[]): string[] {
  const byId = new Map<string, VendorRequest[]>();
  for (const request of requests) {
    const id = String(request.headers['x-herald-notification-id'] ?? '');
    byId.set(id, [...(byId.get(id) ?? []), request]);
  }
  const violations: string[] = [];
  for (const [key, ids] of lines) {
    for (let i = 1; i < ids.length; i++) {
      const ahead = ids[i - 1] as string;
      const behind = ids[i] as string;
      const aheadDone = (byId.get(ahead) ?? []).find((r) => r.statusCode !== undefined && r.statusCode < 300);
      const behindFirst = byId.get(behind)?.[0];
      if (behindFirst === undefined) continue; // not attempted: nothing it could have overtaken
      if (aheadDone?.answeredAt === undefined || behindFirst.arrivedAt < aheadDone.answeredAt) {
        violations.push(`${key}: #${i} (${behind}) arrived before #${i - 1} (${ahead}) had succeeded`);
      }
    }
  }
  return violations;
}
