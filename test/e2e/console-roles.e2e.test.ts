import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  browserContext,
  buildConsole,
  launchChromium,
  screenshot,
  step,
  type WatchedPage,
  watchedPage,
} from '../helpers/browser.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { type RunningService, startSingleProcess } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

const KEYS = { operate: 'k-console-ops', read: 'k-console-audit', send: 'k-console-billing' };

/**
 * The console offers each key only what its role may do (GET /v1/caller): a read key sees no Retry,
 * Cancel, Pause, Resume, Limits or Recover; a send key opens its own notifications by id and may retry
 * them; every key sees the caller of each notification.
 */
describe('console by role (single process, SQLite)', () => {
  let service: RunningService;
  let vendor: Vendor;
  let browser: Browser;
  let context: BrowserContext;
  let current: WatchedPage | undefined;
  /** A FAILED notification sent by the send key's caller "billing". */
  let failedId: string;

  beforeAll(async () => {
    await step('build the console', buildConsole, 30_000);
    [service, vendor, browser] = await Promise.all([
      step(
        'start Herald',
        () =>
          startSingleProcess({
            HERALD_API_KEYS: `ops:operate:${KEYS.operate},audit:read:${KEYS.read},billing:send:${KEYS.send}`,
          }),
        20_000,
      ),
      step('start the vendor', startVendor),
      step('launch chromium', launchChromium, 20_000),
    ]);
    context = await browserContext(browser);
    const billing = new HeraldClient(service.baseUrl, KEYS.send);
    const sent = await billing.send({ url: `${vendor.url}/status/404`, maxAttempts: 1 });
    expect(sent.status).toBe(202);
    failedId = sent.body.id;
    await billing.waitForStatus(failedId, ['FAILED']);
    // A destination for the destinations page.
    await new HeraldClient(service.baseUrl, KEYS.operate).call(
      'POST',
      `/v1/destinations/${encodeURIComponent(vendor.url)}/pause`,
    );
  });
  afterEach(async () => {
    const page = current;
    current = undefined;
    // Closed, so that the tabs of earlier tests do not go on polling Herald for the rest of the file.
    await page?.page.close();
    if (page) expect(page.pageErrors.map(String)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await vendor?.close();
  });

  const signedIn = async (key: string, hash: string): Promise<Page> => {
    current = await watchedPage(context, service.baseUrl);
    const { page } = current;
    await page.goto(`${service.baseUrl}/console${hash}`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in once the header names the caller (a send key's navigation is empty).
    await page.locator('header .caller').waitFor();
    return page;
  };
  const navLinks = async (page: Page) =>
    (await page.locator('header nav').getByRole('link').allTextContents()).map((t) => t.trim());

  it('a read key sees the caller, and no Retry, Pause, Resume, Limits or Recover', async () => {
    const page = await signedIn(KEYS.read, `#/notifications/${failedId}`);
    await page.getByText('Caller').first().waitFor();
    expect(await page.locator('dd.mono', { hasText: 'billing' }).count()).toBe(1);
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await navLinks(page)).toEqual(['Overview', 'Notifications', 'Destinations']);
    expect(await page.locator('header .caller').textContent()).toBe('audit · read');
    await screenshot(page, 'roles-read-notification');

    await page.goto(`${service.baseUrl}/console#/destinations`);
    await page.locator(`tr[data-destination="${vendor.url}"]`).waitFor();
    for (const name of ['Pause', 'Resume', 'Limits']) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    }

    await page.goto(`${service.baseUrl}/console#/notifications`);
    const row = page.locator(`tr[data-id="${failedId}"]`);
    await row.waitFor();
    expect((await row.locator('td').allTextContents())[2]).toBe('billing');

    await page.goto(`${service.baseUrl}/console#/recover`);
    await page.getByRole('heading', { name: 'Recover failed notifications' }).waitFor();
    expect(await page.getByRole('button', { name: 'Start recovery' }).count()).toBe(0);
  });

  it('a send key opens its own notification by id and may retry it; it is offered no listing', async () => {
    const page = await signedIn(KEYS.send, '#/');
    await page.getByRole('heading', { name: 'Find a notification' }).waitFor();
    expect(await navLinks(page)).toEqual([]);
    await page.getByLabel('Notification id').fill(failedId);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    await screenshot(page, 'roles-send-notification');
  });

  it('an operate key sees every action', async () => {
    const page = await signedIn(KEYS.operate, `#/notifications/${failedId}`);
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    expect(await navLinks(page)).toEqual(['Overview', 'Notifications', 'Recover', 'Destinations']);
    await page.goto(`${service.baseUrl}/console#/destinations`);
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect(await page.getByRole('button', { name: 'Limits' }).count()).toBe(1);
  });
});
