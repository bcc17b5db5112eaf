import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAME } from '../lib/app.js';

const run = promisify(execFile);
const infraDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * The environment of a machine with no AWS access at all: no credentials, no profile, no config
 * file, no instance metadata, no telemetry. The CLI must synthesize with nothing else.
 */
function offlineEnv(outdir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')),
  );
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(outdir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(outdir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  mapBytes: number;
}

describe('cdk synth (the CLI, offline, bundling the real handlers)', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'herald-synth-'));
  const assemblyDir = path.join(outdir, 'cdk.out');
  let template: {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }>;
  };
  let seconds = 0;

  beforeAll(async () => {
    const started = performance.now();
    await run('npx', ['cdk', 'synth', '--no-notices', '-q', '-o', assemblyDir], {
      cwd: infraDir,
      env: offlineEnv(outdir),
      timeout: 170_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    seconds = (performance.now() - started) / 1000;
    template = JSON.parse(readFileSync(path.join(assemblyDir, `${STACK_NAME}.template.json`), 'utf8'));
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const bundles = (): Bundle[] =>
    Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => {
        const assetDir = path.join(assemblyDir, r.Metadata?.['aws:asset:path'] ?? 'missing');
        const file = path.join(assetDir, 'index.mjs');
        const name = /worker|ingest|sweeper/.exec(r.Metadata?.['aws:cdk:path'] ?? '')?.[0] ?? '?';
        return { name, file, bytes: statSync(file).size, mapBytes: statSync(`${file}.map`).size };
      });

  it('writes the template and an assembly for account 123456789012 in us-east-1', () => {
    const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts[STACK_NAME].environment).toBe('aws://123456789012/us-east-1');
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')).toHaveLength(3);
    console.info(`cdk synth took ${seconds.toFixed(1)} s`);
  });

  it('bundles each handler as a minified ES module with a source map, AWS SDK included', () => {
    const found = bundles();
    expect(found.map((b) => b.name).sort()).toEqual(['ingest', 'sweeper', 'worker']);
    for (const bundle of found) {
      // Assertions on extracts only: a failure must not print a whole bundle.
      const code = readFileSync(bundle.file, 'utf8');
      expect(code.slice(-40)).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // Minified: long lines (only string literals keep their line breaks).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // The SDK is bundled: its sources are in the map and no import is left for the runtime's copy
      // to satisfy (esbuild would leave an external as a static `from"@aws-sdk/…"`).
      const map = JSON.parse(readFileSync(`${bundle.file}.map`, 'utf8')) as { sources: string[] };
      expect(map.sources.some((s) => s.includes('node_modules/@aws-sdk/client-'))).toBe(true);
      expect(code.match(/from\s*"@aws-sdk\/[\w-]+"/g) ?? []).toEqual([]);
      // Nor a dynamic one (the Secrets Manager client is imported on first use).
      expect(code.match(/import\(\s*"@aws-sdk\/[\w-]+"\s*\)/g) ?? []).toEqual([]);
      expect(bundle.bytes).toBeLessThan(5 * 1024 * 1024);
    }
    console.info(
      found
        .map((b) => `${b.name}: ${(b.bytes / 1024).toFixed(0)} KiB (+ ${(b.mapBytes / 1024).toFixed(0)} KiB map)`)
        .join(', '),
    );
  });

  it('loads each bundle as Lambda would: an ES module exporting `handler`', async () => {
    // Proves the require() banner and ESM output work with the bundled CommonJS dependencies.
    const probe =
      'const m = await import(process.argv[1]); if (typeof m.handler !== "function") { console.error(Object.keys(m)); process.exit(3); }';
    for (const bundle of bundles()) {
      await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', probe, bundle.file], {
        cwd: path.dirname(bundle.file),
        timeout: 20_000,
        env: {
          ...offlineEnv(outdir),
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'example',
          HERALD_BACKEND: 'aws',
          HERALD_TABLE_NAME: 'herald-table',
          HERALD_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/herald-queue',
          HERALD_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/herald-dlq',
          HERALD_BODY_BUCKET: 'herald-bodies',
          // Read on first use, not at load: naming it is enough here.
          HERALD_SECRETS_KEY_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:herald-secrets-key-AbCdEf',
          POWERTOOLS_SERVICE_NAME: 'herald',
          POWERTOOLS_METRICS_NAMESPACE: 'Herald',
        },
      });
    }
  }, 60_000);

  it('leaves nothing behind in infra/ but the assembly it was asked for', () => {
    expect(readdirSync(infraDir)).not.toContain('cdk.context.json');
  });
});
