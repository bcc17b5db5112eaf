import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeraldClient } from './herald-client.js';
import { TEST_ENV } from './services.js';
import { waitFor } from './wait-for.js';

/** A free loopback port (there is a tiny window before the child binds it; fine on a test machine). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface SpawnedHerald {
  process: ChildProcess;
  client: HeraldClient;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
}

/** Starts the service as `npm start` does — its own process, so it can be killed like a real one. */
export async function spawnHerald(env: Record<string, string>): Promise<SpawnedHerald> {
  // A file of its own unless the test names one: the default ./data/herald.db would carry state
  // (idempotency keys, the writer lock) from one run into the next.
  const dbPath = env.HERALD_DB_PATH ?? join(mkdtempSync(join(tmpdir(), 'herald-spawned-')), 'herald.db');
  return spawnService(process.execPath, ['--import', 'tsx', 'src/entrypoints/node/main.ts'], {
    ...env,
    HERALD_DB_PATH: dbPath,
  });
}

/**
 * Starts the service as spawnHerald does, for a start that must fail: resolves with the exit code
 * (or signal) and the output once the process has ended. One still running after `timeoutMs` is
 * killed, and that is an error naming its output.
 */
export async function spawnHeraldToExit(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ exit: number | string; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entrypoints/node/main.ts'], {
    env: { ...process.env, ...TEST_ENV, HERALD_LOG_LEVEL: 'warn', ...env, HERALD_PORT: String(await freePort()) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  if (signal === 'SIGKILL') throw new Error(`still running after ${timeoutMs} ms (output: ${output})`);
  return { exit: code ?? signal ?? 'unknown', output };
}

/**
 * Runs `command` with the test environment and a free HERALD_PORT (logs at warn unless `env` says
 * otherwise), keeps its output, and resolves once it answers /healthz. A process that does not
 * answer within `startTimeoutMs` is stopped (SIGTERM, which npm passes on to the server it runs)
 * and the error names its output.
 */
export async function spawnService(
  command: string,
  args: string[],
  env: Record<string, string>,
  startTimeoutMs = 20_000,
): Promise<SpawnedHerald> {
  const port = await freePort();
  const child = spawn(command, args, {
    env: { ...process.env, ...TEST_ENV, HERALD_LOG_LEVEL: 'warn', ...env, HERALD_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const client = new HeraldClient(`http://127.0.0.1:${port}`);
  try {
    await waitFor(async () => ((await client.call('GET', '/healthz')).status === 200 ? true : undefined), {
      timeoutMs: startTimeoutMs,
      intervalMs: 100,
      what: `${[command, ...args].join(' ')} to listen on ${port} (output: ${output})`,
    });
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return { process: child, client, output: () => output, exited };
}
