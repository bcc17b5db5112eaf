import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import { type SpawnedHerald, spawnHerald } from '../helpers/spawned-herald.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

const API_KEY = 'cli-test-key';
const ESC = String.fromCharCode(27);
const PACKAGE_VERSION = JSON.parse(readFileSync('package.json', 'utf8')).version as string;

/**
 * A loopback server that is not Herald: JSON of another shape on the API's paths, an HTML page on
 * `/v1/notifications/html-page`, an HTML 404 elsewhere under `/v1/destinations`.
 */
async function startImpostor(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    req.resume();
    if (path.startsWith('/v1/destinations')) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>\n<body>Not Found</body>\n</html>');
    } else if (path.startsWith('/v1/notifications/html-page')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>\n<body>hello</body>\n</html>');
    } else if (path.startsWith('/v1/notifications?') || path === '/v1/notifications') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"page":1}');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world","id":7}');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The `herald` CLI against a real spawned server: each command is its own child process, as a
 * script would run it (stdout not a terminal); the package bin (through tsx) is run once too.
 */
describe('the herald CLI', () => {
  let server: SpawnedHerald;
  let vendor: Vendor;
  let herald: HeraldClient;
  const env = () => ({ HERALD_URL: server.client.baseUrl, HERALD_API_KEY: API_KEY });

  /** The CLI bundled once (esbuild, as `npm start` bundles the server): each run is then plain node, cheap. */
  let bundle: string;

  function start(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: { ...process.env, NO_COLOR: undefined, ...env(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const run: CliRun = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (chunk) => {
      run.stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      run.stderr += chunk;
    });
    child.stdin.end(options.input ?? '');
    const done = new Promise<CliRun>((resolve) =>
      child.once('close', (code) => {
        run.code = code;
        resolve(run);
      }),
    );
    return { child, run, done };
  }
  const cli = (args: string[], options?: { env?: Record<string, string>; input?: string }) => start(args, options).done;
  const json = async (args: string[], options?: { env?: Record<string, string>; input?: string }) => {
    const run = await cli(['--json', ...args], options);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout);
  };

  let dir: string;

  beforeAll(async () => {
    vendor = await startVendor();
    dir = mkdtempSync(join(tmpdir(), 'herald-cli-'));
    bundle = join(dir, 'herald-cli.mjs');
    await build({
      entryPoints: ['src/entrypoints/cli/main.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: bundle,
      // commander is CommonJS: its require() of node built-ins needs a real require in an ES module.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'warning',
    });
    server = await spawnHerald({ HERALD_API_KEYS: API_KEY, HERALD_DB_PATH: join(dir, 'herald.db') });
    herald = new HeraldClient(server.client.baseUrl, API_KEY);
  });
  afterAll(async () => {
    server?.process.kill('SIGTERM');
    await server?.exited;
    await vendor?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends from flags and from a JSON file on stdin; gets, lists attempts, as tables or JSON', async () => {
    const fromFlags = await cli([
      'send',
      '--url',
      `${vendor.url}/ok`,
      '-H',
      'X-Shop: eu-1',
      '--json-body',
      '{"order":1}',
    ]);
    expect(fromFlags.code, fromFlags.stderr).toBe(0);
    expect(fromFlags.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+ATTEMPTS/);
    const id = /^([0-9a-f-]{36})\s/m.exec(fromFlags.stdout)?.[1] as string;
    expect(id).toBeDefined();
    expect(fromFlags.stdout).not.toContain(ESC);

    const input = JSON.stringify({ url: `${vendor.url}/ok`, body: 'from stdin', idempotencyKey: 'cli-stdin' });
    const fromStdin = await json(['send', '--file', '-'], { input });
    expect(fromStdin).toMatchObject({ idempotencyKey: 'cli-stdin', status: expect.stringMatching(/PENDING|QUEUED/) });
    const replay = await cli(['send', '--file', '-'], { input });
    expect([replay.code, replay.stderr]).toEqual([0, expect.stringContaining('already accepted')]);

    await herald.waitForStatus(id, ['SUCCESS']);
    expect(await json(['get', id])).toMatchObject({ id, status: 'SUCCESS', headers: { 'X-Shop': 'eu-1' } });
    expect(vendor.requestsFor(id)[0]?.body).toBe('{"order":1}');
    const detail = await cli(['get', id]);
    expect(detail.stdout).toMatch(/^status\s+SUCCESS$/m);
    expect(detail.stdout).toMatch(/^caller\s+default$/m);
    const attempts = await json(['attempts', id]);
    expect(attempts.attempts.map((a: { attempt: number; category: string }) => [a.attempt, a.category])).toEqual([
      [1, 'SUCCESS'],
    ]);
    expect((await cli(['attempts', id])).stdout).toMatch(/^1\s+SUCCESS\s+200\s/m);
  });

  it('lists with every filter, following cursors with --all; retries and cancels', async () => {
    const failed = (await herald.send({ url: `${vendor.url}/status/400`, maxAttempts: 1 })).body.id;
    await herald.waitForStatus(failed, ['FAILED']);
    for (let i = 0; i < 3; i++) await herald.send({ url: `${vendor.url}/ok` });

    const all = await json(['list', '--all', '--limit', '1', '--destination', vendor.url]);
    const api = await herald.call('GET', `/v1/notifications?destination=${encodeURIComponent(vendor.url)}&limit=100`);
    expect(all.items.map((n: { id: string }) => n.id)).toEqual(api.body.items.map((n: { id: string }) => n.id));
    expect(all.nextCursor).toBeNull();
    const onePage = await cli(['list', '--limit', '1']);
    expect([onePage.code, onePage.stderr]).toEqual([0, expect.stringContaining('more: --cursor ')]);
    expect(onePage.stdout.split('\n')[0]).toMatch(/\sCALLER\s/);
    expect(onePage.stdout.split('\n')[1]).toMatch(/\sdefault\s/);
    const filtered = await json([
      'list',
      '--status',
      'FAILED,CANCELLED',
      '--destination',
      vendor.url,
      '--created-after',
      new Date(Date.now() - 3_600_000).toISOString(),
      '--created-before',
      new Date(Date.now() + 3_600_000).toISOString(),
    ]);
    expect(filtered.items.map((n: { id: string }) => n.id)).toEqual([failed]);

    expect((await json(['retry', failed])).id).toBe(failed);
    await herald.waitForStatus(failed, ['FAILED']);
    const notCancellable = await cli(['cancel', failed]);
    expect(notCancellable.code).toBe(1);
    expect(notCancellable.stderr).toContain('409 INVALID_STATE');
    expect(notCancellable.stdout).toBe('');
  });

  it('recovers the FAILED notifications of a destination and follows the job to DONE', async () => {
    const other = await startVendor();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++)
        ids.push((await herald.send({ url: `${other.url}/fail-first/1`, maxAttempts: 1 })).body.id);
      for (const id of ids) await herald.waitForStatus(id, ['FAILED']);

      const job = await json(['recover', '--destination', other.url, '--interval', '100']);
      expect(job).toMatchObject({ state: 'DONE', matched: 2, retried: 2, skipped: 0 });
      for (const id of ids) expect((await herald.waitForStatus(id, ['SUCCESS', 'FAILED'])).status).toBe('SUCCESS');

      // Nothing left to recover: a table on stdout, exit 0.
      const again = await cli(['recover', '--destination', other.url, '--interval', '100']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^ID\s+STATE\s+MATCHED/);
      expect(again.stdout).toMatch(/\sDONE\s+0\s+0\s+0\s/);
    } finally {
      await other.close();
    }
  });

  it('manages destinations, shows stats, and tails new outcomes', async () => {
    const origin = vendor.url;
    expect((await json(['destinations', 'pause', origin])).state).toBe('PAUSED');
    const listed = await cli(['destinations', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${origin.replace(/[.]/g, '\\.')}\\s+PAUSED\\s`, 'm'));
    const held = (await herald.send({ url: `${vendor.url}/ok` })).body.id;
    expect((await json(['cancel', held])).status).toBe('CANCELLED');
    expect((await json(['destinations', 'resume', origin])).state).toBe('CLOSED');
    expect(await json(['destinations', 'limit', origin, '--max-concurrency', '3', '--rps', 'none'])).toMatchObject({
      maxConcurrency: 3,
      requestsPerSecond: null,
    });

    const stats = await json(['stats']);
    expect(stats.exact).toBe(true);
    expect(stats.byStatus.CANCELLED).toBeGreaterThanOrEqual(1);
    expect((await cli(['stats'])).stdout).toMatch(/^CANCELLED\s+\d+$/m);

    const tail = start(['--json', 'tail', '--interval', '100', '--count', '2', '--destination', origin]);
    await waitFor(() => (tail.run.stderr.includes('following outcomes') ? true : undefined), {
      what: 'tail to take its first look',
    });
    const sent = [
      (await herald.send({ url: `${vendor.url}/ok` })).body.id,
      (await herald.send({ url: `${vendor.url}/status/404`, maxAttempts: 1 })).body.id,
    ];
    const ended = await tail.done;
    expect(ended.code, ended.stderr).toBe(0);
    const outcomes = ended.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(outcomes.map((n: { id: string }) => n.id).sort()).toEqual([...sent].sort());
    expect(outcomes.map((n: { status: string }) => n.status).sort()).toEqual(['FAILED', 'SUCCESS']);
  });

  it("whoami: the key's caller and role", async () => {
    const who = await cli(['whoami']);
    expect([who.code, who.stderr]).toEqual([0, '']);
    expect(who.stdout).toMatch(/^NAME\s+ROLE\ndefault\s+operate\n?$/);
    expect(await json(['whoami'])).toEqual({ name: 'default', role: 'operate' });
  });

  it('exits 2 on usage mistakes, 1 on API errors; flags override the environment', async () => {
    for (const args of [['send'], ['list', '--bogus'], ['destinations', 'limit', 'https://a.example'], ['nope']]) {
      const run = await cli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout, args.join(' ')).toBe('');
      expect(run.stderr, args.join(' ')).not.toBe('');
    }
    const unknown = await cli(['get', 'no-such-id']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('404 NOT_FOUND')]);
    const badFilter = await cli(['list', '--status', 'DONE']);
    expect([badFilter.code, badFilter.stderr]).toEqual([1, expect.stringContaining('status:')]);

    const wrongKey = { HERALD_API_KEY: 'wrong' };
    expect((await cli(['stats'], { env: wrongKey })).code).toBe(1);
    expect((await cli(['--api-key', API_KEY, 'stats'], { env: wrongKey })).code).toBe(0);
    const elsewhere = { HERALD_URL: 'http://127.0.0.1:1' };
    expect((await cli(['stats'], { env: elsewhere })).stderr).toContain('cannot reach Herald');
    expect((await cli(['--server', server.client.baseUrl, 'stats'], { env: elsewhere })).code).toBe(0);
  });

  it('runs as `npx herald` from the repository: its --json output is JSON and nothing else', async () => {
    const run = await new Promise<CliRun>((resolve) => {
      // As the README says to run it. (npx resolves the repository's own bin; `npx --no herald` would
      // keep reading npm options after the name and swallow --json.)
      const child = spawn('npx', ['herald', '--json', 'stats'], {
        env: { ...process.env, ...env() },
      });
      const result: CliRun = { code: null, stdout: '', stderr: '' };
      child.stdout.on('data', (chunk) => {
        result.stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        result.stderr += chunk;
      });
      child.once('close', (code) => resolve({ ...result, code }));
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ exact: true });
  });

  it('--version prints the package version', async () => {
    const run = await cli(['--version']);
    expect([run.code, run.stdout.trim(), run.stderr]).toEqual([0, PACKAGE_VERSION, '']);
  });

  it('a 401 says how to pass the key', async () => {
    for (const options of [{ env: { HERALD_API_KEY: 'wrong' } }, { env: { HERALD_API_KEY: '' } }]) {
      const run = await cli(['stats'], options);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('401');
      expect(run.stderr).toContain('HERALD_API_KEY');
      expect(run.stderr).toContain('--api-key');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('prints a validation error once: a headline, then each bad field on its own line', async () => {
    const run = await cli(['send', '--url', `${vendor.url}/ok`, '--max-attempts', '99', '--timeout-ms', '1']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^herald: POST \/v1\/notifications: 400 VALIDATION_ERROR$/);
    expect(
      lines
        .slice(1)
        .map((line) => line.trim().split(':')[0])
        .sort(),
    ).toEqual(['maxAttempts', 'timeoutMs']);
  });

  it('send --ordering-key sets the ordering key; --rps takes a fraction as the API does', async () => {
    expect(await json(['send', '--url', `${vendor.url}/ok`, '--ordering-key', 'order-42'])).toMatchObject({
      orderingKey: 'order-42',
    });
    const origin = 'https://rps-fraction.example';
    await herald.send({ url: `${origin}/hook` });
    expect(await json(['destinations', 'limit', origin, '--rps', '0.5'])).toMatchObject({ requestsPerSecond: 0.5 });
    const bad = await cli(['destinations', 'limit', origin, '--rps', 'fast']);
    expect([bad.code, bad.stdout]).toEqual([2, '']);
    expect(bad.stderr).toContain('--rps');
  });

  it('tail prints a header, then one aligned row per outcome', async () => {
    const origin = vendor.url;
    const tail = start(['tail', '--interval', '100', '--count', '1', '--destination', origin]);
    await waitFor(() => (tail.run.stderr.includes('following outcomes') ? true : undefined), {
      what: 'tail to take its first look',
    });
    expect(tail.run.stdout).toMatch(
      /^ID\s+STATUS\s+ATTEMPTS\s+LAST\s+DESTINATION\s+CALLER\s+CREATED\s+NEXT ATTEMPT\n$/,
    );
    const id = (await herald.send({ url: `${vendor.url}/ok` })).body.id as string;
    const ended = await tail.done;
    expect(ended.code, ended.stderr).toBe(0);
    const [header, row] = ended.stdout.trimEnd().split('\n') as [string, string];
    expect(row.startsWith(`${id}  `)).toBe(true);
    expect(row.indexOf('SUCCESS')).toBe(header.indexOf('STATUS'));
    expect(row.indexOf(origin)).toBe(header.indexOf('DESTINATION'));
  });

  it('against a server that is not Herald: a one-line error and exit 1 for every command, never a stack trace', async () => {
    const impostor = await startImpostor();
    try {
      const commands = [
        ['stats'],
        ['list'],
        ['list', '--all'],
        ['get', 'some-id'],
        ['get', 'html-page'],
        ['attempts', 'some-id'],
        ['send', '--url', 'https://api.vendor.example/hooks'],
        ['retry', 'some-id'],
        ['cancel', 'some-id'],
        ['destinations'],
        ['destinations', 'pause', 'https://api.vendor.example'],
        ['destinations', 'limit', 'https://api.vendor.example', '--rps', '2'],
        ['whoami'],
        ['recover'],
        ['tail', '--count', '1'],
      ];
      for (const args of commands) {
        for (const json of [false, true]) {
          const argv = json ? ['--json', ...args] : args;
          const run = await cli(argv, { env: { HERALD_URL: impostor.url } });
          const what = `${argv.join(' ')}: ${run.stderr}`;
          expect(run.code, what).toBe(1);
          expect(run.stdout, what).toBe('');
          expect(run.stderr, what).toMatch(/^herald: [^\n]+\n$/);
          expect(run.stderr, what).toMatch(/not Herald/);
          expect(run.stderr, what).not.toMatch(/\bat .*:\d+:\d+/);
        }
      }
    } finally {
      await impostor.close();
    }
  });
});
