import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium (.ci/run installs it when missing); never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (ignored by git); look at them after a run. */
export const SCREENSHOT_DIR = 'test-output/console';

/** Builds the console into dist/console with the project's own build, as `npm start` does. */
export function buildConsole(): void {
  execFileSync(process.execPath, ['scripts/build-console.mjs', '--quiet'], { stdio: 'inherit' });
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
