/**
 * One progress line on stderr while the benchmark runs: rewritten in place on a terminal, otherwise
 * printed at most every few seconds (and at every new phase) so a CI log stays short.
 */
const started = performance.now();
const isTty = process.stderr.isTTY === true;
let phase = '';
let lastPrinted = 0;
let lastLength = 0;

function elapsed(): string {
  return `${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s`;
}

/** Starts a new phase: `step` of `steps`, named. */
export function startPhase(step: number, steps: number, name: string): void {
  phase = `[bench ${step}/${steps}] ${name}`;
  write(phase, true);
}

/** Updates the current phase's detail, e.g. counts so far. */
export function progress(detail: string): void {
  write(`${phase}: ${detail}`, false);
}

/** Ends the progress line so that the next output starts on a fresh line. */
export function endProgress(): void {
  if (isTty && lastLength > 0) process.stderr.write('\n');
  lastLength = 0;
}

function write(text: string, force: boolean): void {
  const line = `${elapsed()} ${text}`;
  if (isTty) {
    process.stderr.write(`\r${line.padEnd(lastLength)}`);
    lastLength = line.length;
    return;
  }
  const now = performance.now();
  if (!force && now - lastPrinted < 3000) return;
  lastPrinted = now;
  process.stderr.write(`${line}\n`);
}
