import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const FIRST_LOAD_JS_BUDGET = 150 * 1024;

/** The console's build (`npm run build:console`, part of `npm run build`) and its weight. */
describe('console build', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'herald-console-build-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('writes one module, its stylesheet and the page; the first load is within 150 KiB of compressed JavaScript', () => {
    execFileSync(process.execPath, ['scripts/build-console.mjs', '--outdir', outdir, '--quiet']);
    expect(readdirSync(outdir).sort()).toEqual(['app.css', 'app.js', 'icon.svg', 'index.html']);
    const html = readFileSync(join(outdir, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(['/console/app.js']);
    // What the page loads first is all the JavaScript there is: no chunk is fetched later.
    const js = readFileSync(join(outdir, 'app.js'));
    expect(js.toString()).not.toMatch(/\bimport\(/);
    const gzipped = gzipSync(js).byteLength;
    console.info(
      `console app.js: ${(js.byteLength / 1024).toFixed(1)} KiB, ${(gzipped / 1024).toFixed(1)} KiB gzipped`,
    );
    expect(gzipped).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
  });

  it('renders nothing as markup: no innerHTML or dangerouslySetInnerHTML in its source', () => {
    const sources = readdirSync('console/src', { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    expect(sources.length).toBeGreaterThan(5);
    for (const file of sources) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
