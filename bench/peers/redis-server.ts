/**
 * A redis-server of the bench's own for one measurement: a free loopback port, a temporary
 * directory for its files, daemonized with a pidfile, stopped (and its directory removed) afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/spawned-herald.js';
import { progress } from '../progress.js';

/**
 * `aof-everysec`: the append-only file, written on every command and fsync'd once a second by a
 * background thread, so a crash of the machine loses up to about a second of acknowledged writes.
 * `none`: no AOF and no RDB snapshots; everything lives in memory only.
 */
export type RedisPersistence = 'aof-everysec' | 'none';

export interface RedisServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

function redisInstalled(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function aptGet(args: string[]): void {
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
  const [command = 'apt-get', ...rest] = [...asRoot, 'apt-get', ...args];
  // apt's output goes to stderr with the progress: stdout carries the report.
  execFileSync(command, rest, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Installs Debian's redis-server when it is missing, refreshing the package lists only if needed. */
export function ensureRedisInstalled(): void {
  if (redisInstalled()) return;
  progress('installing redis-server');
  try {
    aptGet(['install', '-y', 'redis-server']);
  } catch {
    aptGet(['update']);
    aptGet(['install', '-y', 'redis-server']);
  }
}

function persistenceArgs(persistence: RedisPersistence): string[] {
  // RDB snapshots are off in both: the durable peer's durability is the AOF alone.
  const noSnapshots = ['--save', ''];
  return persistence === 'aof-everysec'
    ? [...noSnapshots, '--appendonly', 'yes', '--appendfsync', 'everysec']
    : [...noSnapshots, '--appendonly', 'no'];
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(answer.startsWith('+PONG')));
    socket.on('error', () => {});
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Servers still running, killed if the bench exits without stopping them. */
const running = new Map<number, string>();
process.on('exit', () => {
  for (const [pid, dir] of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
});

export async function startRedis(persistence: RedisPersistence): Promise<RedisServer> {
  ensureRedisInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'herald-bench-redis-'));
  const port = await freePort();
  const pidFile = join(dir, 'redis.pid');
  const logFile = join(dir, 'redis.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '');
  let pid: number | undefined;
  try {
    execFileSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--daemonize',
      'yes',
      '--pidfile',
      pidFile,
      '--logfile',
      logFile,
      ...persistenceArgs(persistence),
    ]);
    await waitFor(() => existsSync(pidFile), 10_000, `redis-server's pidfile (log: ${log()})`);
    pid = Number(readFileSync(pidFile, 'utf8'));
    running.set(pid, dir);
    await waitFor(() => ping(port), 10_000, `redis-server on ${port} to answer PING (log: ${log()})`);
  } catch (error) {
    if (pid !== undefined) await stopRedis(pid, dir);
    else rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const serverPid = pid;
  return { port, pid: serverPid, stop: () => stopRedis(serverPid, dir) };
}

/** SIGTERM, as `kill $(cat pidfile)` sends: redis-server flushes its AOF and exits. */
async function stopRedis(pid: number, dir: string): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !isRunning(pid), 10_000, `redis-server ${pid} to exit`);
  } catch {
    if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  } finally {
    running.delete(pid);
    rmSync(dir, { recursive: true, force: true });
  }
}
