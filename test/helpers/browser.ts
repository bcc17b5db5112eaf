import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const run = promisify(execFile);

/** Debian's chromium (.ci/run installs it when missing); never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (ignored by git); look at them after a run. */
export const SCREENSHOT_DIR = 'test-output/console';

/** Builds the console into dist/console with the project's own build, as `npm start` does. */
export async function buildConsole(): Promise<void> {
  await run(process.execPath, ['scripts/build-console.mjs', '--quiet']);
}

/**
 * How long one browser action or wait may take before it fails naming what it waited for: well under
 * the test's own timeout (30 s), which would fail naming nothing. Navigations get a little more.
 */
export const BROWSER_STEP_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

/**
 * Runs one step of a browser test (starting a server, loading a page): one that takes longer than
 * `timeoutMs` fails with an error naming the step and how long it was given.
 */
export async function step<T>(name: string, run: () => Promise<T>, timeoutMs = BROWSER_STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${name}" did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([run(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A browser context whose every action and wait fails naming itself well before the test times out. */
export async function browserContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(BROWSER_STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  return context;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      // Nothing but loopback resolves: the console must not reach anything but its own origin.
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
}

/** A page that records what went wrong in it: uncaught errors and Content-Security-Policy violations. */
export interface WatchedPage {
  page: Page;
  pageErrors: Error[];
  cspViolations: string[];
  /** Requests the page made to any other origin than Herald's. */
  foreignRequests: string[];
}

export async function watchedPage(context: BrowserContext, baseUrl: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const watched: WatchedPage = { page, pageErrors: [], cspViolations: [], foreignRequests: [] };
  page.on('pageerror', (error) => watched.pageErrors.push(error));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      watched.cspViolations.push(message.text());
    }
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(baseUrl)) watched.foreignRequests.push(request.url());
  });
  return watched;
}

/** axe's serious and critical violations on the page as it is now, as readable lines. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Only violations are collected in detail (passes and incomplete are not), and axe runs in the page
  // itself (legacy mode: the console has no frames, so the blank page axe would open to merge frame
  // results is not needed): together about a third of the default's time.
  const results = await new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .setLegacyMode(true)
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
