import { join } from 'node:path';
import { build } from 'esbuild';

const ENTRIES = ['forwarder', 'bullmq-ingest', 'bullmq-worker'] as const;
export type PeerEntry = (typeof ENTRIES)[number];

/** Inside the repository, so the bundles' imports of undici and bullmq resolve to its node_modules. */
const OUT_DIR = 'dist/bench-peers';

let built: Promise<void> | undefined;

/**
 * The peers' entry files bundled as `npm run build` bundles Herald (ESM, node20, packages left to
 * node_modules), so each runs in plain `node` like Herald's dist/herald.mjs: neither pays tsx's
 * loader in its CPU time or memory. Built once per bench run.
 */
export async function peerBundle(entry: PeerEntry): Promise<string> {
  built ??= build({
    entryPoints: ENTRIES.map((name) => `bench/peers/${name}.ts`),
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  }).then(() => undefined);
  await built;
  return join(OUT_DIR, `${entry}.mjs`);
}
