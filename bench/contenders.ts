import type { Service } from './processes.js';
import { progress } from './progress.js';

/** A service the bench can start and measure beside Herald: Herald itself or a peer. */
export interface Contender {
  name: string;
  label: string;
  /** Why it cannot run on this machine, or undefined when it can. */
  skipReason(): string | undefined;
  start(): Promise<Service>;
}

export type Measured<Result> = { name: string; label: string } & ({ result: Result } | { skipped: string });

/** Starts each contender in turn and measures it (the measurement stops it), or says why it was skipped. */
export async function measureEach<Result>(
  contenders: readonly Contender[],
  measure: (service: Service) => Promise<Result>,
): Promise<Measured<Result>[]> {
  const results: Measured<Result>[] = [];
  for (const { name, label, skipReason, start } of contenders) {
    const skipped = skipReason();
    if (skipped) {
      results.push({ name, label, skipped });
      continue;
    }
    progress(`${name}: starting`);
    results.push({ name, label, result: await measure(await start()) });
  }
  return results;
}
