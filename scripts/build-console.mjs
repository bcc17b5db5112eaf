// Builds the console (console/) into dist/console: one minified ES module, its stylesheet, the page
// and its icon. Plain JavaScript on esbuild's API, so `npm start` builds it with production
// dependencies only. Every file is written beside its final name and renamed into place, so a server
// starting while another build runs (tests build it too) reads whole files.
//   node scripts/build-console.mjs [--outdir DIR]
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const STATIC_FILES = ['console/index.html', 'console/app.css', 'console/icon.svg'];

const argIndex = process.argv.indexOf('--outdir');
const outdir = argIndex === -1 ? 'dist/console' : process.argv[argIndex + 1];
if (!outdir) throw new Error('--outdir needs a directory');
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: ['console/src/main.tsx'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': '"production"' },
  outfile: join(outdir, 'app.js'),
  write: false,
  logLevel: 'warning',
  legalComments: 'none',
});

const place = (path, write) => {
  const temporary = `${path}.${process.pid}.tmp`;
  write(temporary);
  renameSync(temporary, path);
};
for (const file of result.outputFiles) place(file.path, (tmp) => writeFileSync(tmp, file.contents));
for (const file of STATIC_FILES) place(join(outdir, basename(file)), (tmp) => copyFileSync(file, tmp));

const [js] = result.outputFiles;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
if (!process.argv.includes('--quiet')) {
  process.stdout.write(
    `console: ${outdir}/app.js ${kib(js.contents.byteLength)}, ${kib(gzipSync(js.contents).byteLength)} gzipped\n`,
  );
}
