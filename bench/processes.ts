import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { freePort } from '../test/helpers/spawned-herald.js';

/** Everything the benchmark spawns is killed on the way out, even when a measurement throws. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * CPU time (user + system) a live process has used so far, in seconds, with that of the children
 * it has reaped (redis-server forks one to rewrite its AOF); null when it is gone.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14 to 17 of proc(5).
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The sum of `cpuSeconds` over several processes; null when any of them is gone. */
export function totalCpuSeconds(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const seconds = cpuSeconds(pid);
    if (seconds === null) return null;
    total += seconds;
  }
  return total;
}

/** USER_HZ, 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

export async function getJson<T>(url: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const res = await request(url, { method });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`${method} ${url} answered ${res.statusCode}: ${text}`);
  return JSON.parse(text) as T;
}

/** Peak resident set size of a live process in MB, from the kernel's high-water mark (VmHWM). */
export function peakRssMb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The sum of the processes' peak RSS, MB; null when any is gone. Each peak may fall at another
 * moment, so for several processes this is an upper bound of what they held at once.
 */
export function totalPeakRssMb(pids: readonly number[]): number | null {
  let total = 0;
  for (const pid of pids) {
    const mb = peakRssMb(pid);
    if (mb === null) return null;
    total += mb;
  }
  return total;
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

export interface SinkStats {
  requests: number;
  unique: number;
  repeats: number;
  duplicateDeliveries: number;
  lastFirstReceiptAt: number | null;
}

export interface Sink {
  url: string;
  pid: number;
  stats(): Promise<SinkStats>;
  /** First-receipt time (Date.now() in the sink) per notification id. */
  receipts(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReadyProcess<Message> {
  pid: number;
  /** The first IPC message the process sent: it is ready. */
  message: Message;
  output(): string;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(): Promise<void>;
}

/**
 * Spawns `node <args>` and resolves once the process sends its first IPC message, which says it is
 * ready (and, for a server that listened on port 0, where). Its output is kept for error messages.
 */
export async function spawnReadyProcess<Message>(
  args: string[],
  options: { env?: Record<string, string>; graceMs?: number; startTimeoutMs?: number } = {},
): Promise<ReadyProcess<Message>> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  const output = keepOutput(child);
  let timer: NodeJS.Timeout | undefined;
  try {
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`${args.join(' ')} exited with ${code} before it was ready:\n${output()}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${args.join(' ')} was not ready in time:\n${output()}`)),
          options.startTimeoutMs ?? 60_000,
        );
      }),
    ])) as [Message];
    return { pid: child.pid as number, message, output, stop: () => stopChild(child, options.graceMs) };
  } catch (error) {
    await stopChild(child, 1000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The last 20,000 characters a child wrote to stdout and stderr. */
function keepOutput(child: ChildProcess): () => string {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

/** The vendor sink of bench/sink-server.ts in its own process. */
export async function spawnSink(): Promise<Sink> {
  const sink = await spawnReadyProcess<{ type: string; port: number }>(['--import', 'tsx', 'bench/sink-server.ts']);
  const url = `http://127.0.0.1:${sink.message.port}`;
  return {
    url,
    pid: sink.pid,
    stats: () => getJson<SinkStats>(`${url}/__bench/stats`),
    receipts: () => getJson<Record<string, number>>(`${url}/__bench/receipts`),
    reset: async () => {
      await getJson(`${url}/__bench/reset`, 'POST');
    },
    stop: sink.stop,
  };
}

export interface Service {
  url: string;
  /** Every process whose CPU time and memory are the service's. */
  pids: readonly number[];
  output(): string;
  /** SIGTERM (a graceful drain), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export interface SpawnServiceOptions {
  /** Node arguments before the entry file, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  env: Record<string, string>;
  startTimeoutMs?: number;
}

/**
 * Starts a Herald entry point the way its npm script does, on a free port: a TypeScript source
 * (`src/entrypoints/...`) through tsx, a built bundle (`dist/...`) as is.
 */
export async function spawnService(entry: string, options: SpawnServiceOptions): Promise<Service> {
  const port = await freePort();
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...loader, entry], {
    env: { ...process.env, HERALD_LOG_LEVEL: 'warn', ...options.env, HERALD_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = keepOutput(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}:\n${output()}`);
    const healthy = await request(`${url}/healthz`).then(
      async (res) => {
        await res.body.dump();
        return res.statusCode === 200;
      },
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      await stopChild(child, 1000);
      throw new Error(`${entry} did not listen on ${port} in time:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pids: [child.pid as number], output, stop: () => stopChild(child, 30_000) };
}
