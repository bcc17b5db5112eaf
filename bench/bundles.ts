import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { progress } from './progress.js';
import { median } from './stats.js';

export const HANDLERS = ['ingest', 'worker', 'sweeper'] as const;
export type HandlerName = (typeof HANDLERS)[number];

export interface BundleResult {
  handler: HandlerName;
  bytes: number;
  /** Fresh `node` process: time of `await import(bundle)`, module init included, median of `runs`. */
  coldImportMsMedian: number;
  coldImportMsRuns: number[];
}

export interface BundlesResult {
  node: string;
  esbuild: { format: 'esm'; target: 'node22'; minify: true; awsSdk: 'bundled' };
  bundles: BundleResult[];
}

/**
 * The esbuild settings of infra/lib/functions.ts (BUNDLING): ESM for node22, minified, everything
 * bundled including the AWS SDK v3, with a `require` shim for CommonJS dependencies. Restated here
 * rather than imported, so the benchmark does not load aws-cdk-lib.
 */
async function bundle(handler: HandlerName, outdir: string): Promise<string> {
  const outfile = join(outdir, `${handler}.mjs`);
  await build({
    entryPoints: [resolve(`src/entrypoints/lambda/${handler}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire as heraldCreateRequire } from 'node:module'; const require = heraldCreateRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  return outfile;
}

/** What the handlers need at module init, so it succeeds without any network. */
const HANDLER_ENV: Record<string, string> = {
  HERALD_BACKEND: 'aws',
  HERALD_TABLE_NAME: 'herald-bench',
  HERALD_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/herald-bench',
  HERALD_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/herald-bench-dlq',
  HERALD_BODY_BUCKET: 'herald-bench-bodies',
  HERALD_LOG_LEVEL: 'warn',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_SERVICE_NAME: 'herald',
  POWERTOOLS_METRICS_NAMESPACE: 'Herald',
};

function coldImport(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...HANDLER_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) => {
      const ms = Number(out);
      if (code === 0 && Number.isFinite(ms)) resolvePromise(ms);
      else reject(new Error(`importing ${file} failed (${code}): ${err || out}`));
    });
  });
}

export async function measureBundles(options: { runs: number }): Promise<BundlesResult> {
  const outdir = mkdtempSync(join(tmpdir(), 'herald-bundles-'));
  try {
    const bundles: BundleResult[] = [];
    for (const handler of HANDLERS) {
      progress(`bundling ${handler}`);
      const file = await bundle(handler, outdir);
      const runs: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        progress(`${handler}: cold import ${i + 1}/${options.runs}`);
        runs.push(await coldImport(file));
      }
      bundles.push({
        handler,
        bytes: statSync(file).size,
        coldImportMsMedian: median(runs) ?? Number.NaN,
        coldImportMsRuns: runs.map((ms) => Math.round(ms * 10) / 10),
      });
    }
    return {
      node: process.version,
      esbuild: { format: 'esm', target: 'node22', minify: true, awsSdk: 'bundled' },
      bundles,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
