import type { DueDestination } from '../ports/notification-store.js';

export interface ClaimPlan {
  /** Destinations with work due now, oldest due first, each with the most slots it may ask for. */
  ready: { destination: string; share: number }[];
  /** The earliest time a destination with nothing due now has work due; null when none has. */
  nextDueAt: number | null;
}

/**
 * Shares `free` delivery slots among the destinations with work due at `now`: oldest due first, an
 * equal share each (rounded up, so no slot is left over), so one destination's backlog cannot take
 * the slots the others need. Slots a destination does not use go round again in the next plan.
 */
export function planClaims(due: DueDestination[], free: number, now: number): ClaimPlan {
  const ready = due.filter((d) => d.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
  let nextDueAt: number | null = null;
  for (const d of due) if (d.dueAt > now && (nextDueAt === null || d.dueAt < nextDueAt)) nextDueAt = d.dueAt;
  const share = ready.length === 0 ? 0 : Math.ceil(free / ready.length);
  return { ready: ready.map((d) => ({ destination: d.destination, share })), nextDueAt };
}
