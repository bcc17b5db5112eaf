import type { Browser, BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  browserContext,
  buildConsole,
  launchChromium,
  screenshot,
  seriousAxeViolations,
  step,
  type WatchedPage,
  watchedPage,
} from '../helpers/browser.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { type RunningService, startSingleProcess } from '../helpers/services.js';
import { MARKUP_BODY, startVendor, type Vendor } from '../helpers/vendor-server.js';

const API_KEY = 'console-test-key';
const FINAL = ['SUCCESS', 'FAILED', 'CANCELLED'];
const FIRST_LOAD_JS_BUDGET = 150 * 1024;

/** The few browser globals the tests read inside the page (this project's types have no DOM). */
interface BrowserGlobals {
  sessionStorage: { length: number };
  localStorage: { length: number };
  document: { cookie: string };
}

/**
 * The console in a real browser (Debian's chromium through playwright-core) against a real Herald
 * with API keys and real vendor servers: every page, its actions, text-only rendering of what
 * vendors and callers supplied, no uncaught errors, and axe's serious or critical findings on each page.
 */
describe('console (single process, SQLite, API keys on)', () => {
  let service: RunningService;
  let herald: HeraldClient;
  let vendor: Vendor;
  let browser: Browser;
  let context: BrowserContext;
  let current: WatchedPage | undefined;

  beforeAll(async () => {
    await step('build the console', buildConsole, 30_000);
    [service, vendor, browser] = await Promise.all([
      step('start Herald', () => startSingleProcess({ HERALD_API_KEYS: API_KEY }), 20_000),
      step('start the vendor', startVendor),
      step('launch chromium', launchChromium, 20_000),
    ]);
    herald = new HeraldClient(service.baseUrl, API_KEY);
    context = await browserContext(browser);
  });
  afterEach(async () => {
    // Every test's page must have run without an uncaught error or a blocked script or style.
    const page = current;
    current = undefined;
    // Closed, so that the tabs of earlier tests do not go on polling Herald for the rest of the file.
    await page?.page.close();
    if (page) {
      expect(page.pageErrors.map(String)).toEqual([]);
      expect(page.cspViolations).toEqual([]);
      expect(page.foreignRequests).toEqual([]);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await vendor?.close();
  });

  const send = async (notification: Record<string, unknown>) => {
    const res = await herald.send(notification);
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const destinationPath = (target: Vendor) => `/v1/destinations/${encodeURIComponent(target.url)}`;

  /** A new tab (its own sessionStorage) signed in with the key, on `hash`. */
  const signedIn = async (hash = '#/'): Promise<Page> => {
    current = await watchedPage(context, service.baseUrl);
    const { page } = current;
    await page.goto(`${service.baseUrl}/console${hash}`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    return page;
  };
  const expectAccessible = async (page: Page) => expect(await seriousAxeViolations(page)).toEqual([]);

  it('serves the page outside /v1 with a strict CSP, nosniff and no referrer; the API still wants the key', async () => {
    const page = await request(`${service.baseUrl}/console`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = await page.body.text();
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    // Only external scripts: the policy leaves inline ones no way to run, and there are none.
    expect(html).toMatch(/<script type="module" src="\/console\/app\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    const js = await request(`${service.baseUrl}/console/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await js.body.arrayBuffer()).byteLength).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
    const etag = String(js.headers.etag);
    const again = await request(`${service.baseUrl}/console/app.js`, { headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    await again.body.dump();

    for (const [method, path, status] of [
      ['GET', '/console/', 200],
      ['HEAD', '/console', 200],
      ['GET', '/console/nothing-here.js', 404],
      ['POST', '/console', 405],
    ] as const) {
      const res = await request(`${service.baseUrl}${path}`, { method });
      await res.body.dump();
      expect(res.statusCode, `${method} ${path}`).toBe(status);
      expect(res.headers['content-security-policy'], `${method} ${path}`).toBe(csp);
    }
    const api = await request(`${service.baseUrl}/v1/notifications`);
    await api.body.dump();
    expect(api.statusCode).toBe(401);
  });

  it('asks for a key before showing anything, keeps it in sessionStorage only, and refuses a wrong one', async () => {
    current = await watchedPage(context, service.baseUrl);
    const { page } = current;
    const scripts: number[] = [];
    page.on('response', async (res) => {
      if (res.request().resourceType() === 'script') scripts.push(Number(await res.headerValue('content-length')));
    });
    await page.goto(`${service.baseUrl}/console#/notifications`);
    const key = page.getByLabel('API key');
    await key.waitFor();
    expect(await key.getAttribute('type')).toBe('password');
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.locator('table').count()).toBe(0);
    await screenshot(page, '1-sign-in');
    await expectAccessible(page);

    await key.fill('not-the-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That key was refused.').waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);

    await key.fill(API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The route asked for before signing in is the one shown after.
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    const storage = await page.evaluate(() => {
      const { sessionStorage, localStorage, document } = globalThis as unknown as BrowserGlobals;
      return { session: JSON.stringify(sessionStorage), local: localStorage.length, cookie: document.cookie };
    });
    expect(storage).toEqual({ session: JSON.stringify({ 'herald.apiKey': API_KEY }), local: 0, cookie: '' });

    // The whole first load: one module, compressed, within the budget.
    expect(scripts).toHaveLength(1);
    const firstLoad = scripts.reduce((sum, bytes) => sum + bytes, 0);
    expect(firstLoad).toBeGreaterThan(0);
    expect(firstLoad).toBeLessThanOrEqual(FIRST_LOAD_JS_BUDGET);
    console.info(`console first-load JavaScript: ${(firstLoad / 1024).toFixed(1)} KiB gzipped`);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await key.waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).sessionStorage.length)).toBe(0);
  });

  it('without HERALD_API_KEYS opens straight on the page: no key prompt, no sign-out', async () => {
    const open = await step('start a Herald without keys', () => startSingleProcess());
    try {
      current = await watchedPage(context, open.baseUrl);
      const { page } = current;
      await page.goto(`${open.baseUrl}/console#/destinations`);
      await page.getByRole('heading', { name: 'Destinations', level: 1 }).waitFor();
      expect(await page.getByLabel('API key').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      await page.getByText('No destination has been used yet.').waitFor();
    } finally {
      // The page polls this Herald until it is closed: stopping must not wait for it.
      await step('stop the Herald without keys', () => open.stop());
    }
  });

  it('overview: counts by status, deliveries per minute, the oldest due one, destinations by state (paused first)', async () => {
    const held = await startVendor();
    try {
      // A paused destination with two notifications waiting, beside a healthy one with outcomes.
      await herald.waitForStatus(await send({ url: `${held.url}/ok` }), FINAL);
      expect((await herald.call('POST', `${destinationPath(held)}/pause`)).status).toBe(200);
      await send({ url: `${held.url}/ok` });
      await send({ url: `${held.url}/ok` });
      const delivered = await Promise.all([1, 2, 3].map(() => send({ url: `${vendor.url}/ok` })));
      const refused = await send({ url: `${vendor.url}/status/400`, maxAttempts: 1 });
      for (const id of [...delivered, refused]) await herald.waitForStatus(id, FINAL);

      const page = await signedIn('#/');
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
      const cards = page.locator('.cards');
      await expect.poll(() => cards.getByRole('link', { name: /SUCCESS/ }).textContent()).toMatch(/SUCCESS\s*4/);
      expect(await cards.getByRole('link', { name: /FAILED/ }).textContent()).toMatch(/FAILED\s*1/);
      expect(await cards.getByRole('link', { name: /QUEUED/ }).textContent()).toMatch(/QUEUED\s*2/);
      const chart = page.getByRole('img', { name: /Deliveries per minute over the last hour/ });
      await chart.waitFor();
      expect(await chart.getAttribute('aria-label')).toContain('4 succeeded, 1 failed');
      expect(await page.locator('.chart rect.ok').count()).toBeGreaterThan(0);
      // The two waiting are held by the pause: the oldest due time leaves them out.
      await page
        .getByText('Oldest due notification: none is due (those a paused destination holds are left out)')
        .waitFor();
      const destinations = page.getByRole('region', { name: 'Destinations' }).locator('tbody tr');
      await expect.poll(() => destinations.count()).toBe(2);
      expect(await destinations.first().textContent()).toBe(`${held.url}PAUSED020`);
      expect(await destinations.nth(1).textContent()).toBe(`${vendor.url}CLOSED000`);
      await screenshot(page, '2-overview');
      await expectAccessible(page);
      // The README's picture (docs/console-overview.png is a copy): narrower, so the file stays small.
      await page.setViewportSize({ width: 960, height: 720 });
      await screenshot(page, 'overview-readme');
      await page.setViewportSize({ width: 1280, height: 800 });

      // Refreshed live: a new delivery shows up without a reload.
      await herald.waitForStatus(await send({ url: `${vendor.url}/ok` }), FINAL);
      await expect
        .poll(() => cards.getByRole('link', { name: /SUCCESS/ }).textContent(), { timeout: 10_000 })
        .toMatch(/SUCCESS\s*5/);
    } finally {
      await held.close();
    }
  });

  it('notifications: a sent one appears with its destination and path, status, attempts, last result and age; filters survive a reload', async () => {
    const id = await send({ url: `${vendor.url}/status/404`, maxAttempts: 1 });
    await herald.waitForStatus(id, FINAL);
    const page = await signedIn('#/notifications');
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    const cells = await row.locator('td').allTextContents();
    expect(cells).toEqual([
      id,
      `${vendor.url}/status/404`,
      'default',
      'FAILED',
      '1',
      '404 CLIENT_ERROR',
      expect.stringMatching(/^\d+ s$/),
    ]);

    await page.getByRole('checkbox', { name: 'FAILED' }).check();
    await page.getByLabel('Destination').fill(vendor.url);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=FAILED/);
    await page.reload();
    await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    expect(await page.getByRole('checkbox', { name: 'FAILED' }).isChecked()).toBe(true);
    const statuses = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(new Set(statuses)).toEqual(new Set(['FAILED']));
    await screenshot(page, '3-notifications');
    await expectAccessible(page);
  });

  it('pages through the listing with its cursor', async () => {
    const target = await startVendor();
    try {
      const ids = [];
      for (let i = 0; i < 27; i++) ids.push(await send({ url: `${target.url}/ok` }));
      const page = await signedIn(`#/notifications?destination=${encodeURIComponent(target.url)}`);
      const rows = page.locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(25);
      await page.getByRole('button', { name: 'Next page' }).click();
      await expect.poll(() => rows.count()).toBe(2);
      expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
      const second = await page.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
      // Newest first: the first two sent are on the second page.
      expect(new Set(second)).toEqual(new Set(ids.slice(0, 2)));
      await page.getByRole('button', { name: 'Previous page' }).click();
      await expect.poll(() => rows.count()).toBe(25);
    } finally {
      await target.close();
    }
  });

  it('detail: the request with redacted headers and the attempt timeline; Retry turns a FAILED one SUCCESS', async () => {
    const flaky = await startVendor();
    try {
      const id = await send({
        url: `${flaky.url}/switch`,
        maxAttempts: 1,
        headers: { Authorization: 'Bearer vendor-secret', 'X-Shop': 'eu-1' },
        body: { orderId: 1234 },
      });
      await herald.waitForStatus(id, FINAL);
      const page = await signedIn(`#/notifications/${id}`);
      await page.getByRole('heading', { name: `Notification ${id}` }).waitFor();
      const headers = page.getByRole('table', { name: /Headers/ });
      await expect.poll(() => headers.textContent()).toContain('[REDACTED]');
      expect(await headers.textContent()).not.toContain('vendor-secret');
      expect(await headers.textContent()).toContain('eu-1');
      expect(await page.locator('pre.body').first().textContent()).toContain('"orderId": 1234');
      const attempts = page.locator('table.attempts tbody tr');
      await expect.poll(() => attempts.count()).toBe(1);
      const first = await attempts.first().locator('td').allTextContents();
      expect(first[0]).toBe('1');
      expect(first[2]).toBe('503 Service Unavailable');
      expect(first[3]).toBe('SERVER_ERROR');
      expect(first[4]).toMatch(/^\d+ ms$/);
      expect(first[6]).toMatch(/HTTP_503/);
      // Why it failed, first thing under the heading, above the summary.
      const reason = page.getByRole('region', { name: 'Why it failed' });
      expect(await reason.textContent()).toMatch(/503 SERVER_ERROR.*HTTP_503/);
      const above = await reason.boundingBox();
      const summary = await page.getByRole('region', { name: 'Summary' }).boundingBox();
      expect(above && summary && above.y < summary.y).toBe(true);
      expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
      await screenshot(page, '4-notification-failed');
      await expectAccessible(page);

      flaky.healthy = true;
      await page.getByRole('button', { name: 'Retry' }).click();
      await expect
        .poll(() => page.locator('dl.facts .badge').first().textContent(), { timeout: 10_000 })
        .toBe('SUCCESS');
      await expect.poll(() => attempts.count()).toBe(2);
      expect(await attempts.nth(1).locator('td').nth(2).textContent()).toBe('200 OK');
      expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
      expect(await reason.count()).toBe(0);
      expect((await herald.get(id)).body.status).toBe('SUCCESS');
      await screenshot(page, '5-notification-retried');
    } finally {
      await flaky.close();
    }
  });

  it('renders what a vendor and a caller supplied as text: markup in a response, a header and a body runs nothing', async () => {
    const id = await send({
      url: `${vendor.url}/markup/400`,
      maxAttempts: 1,
      headers: { 'X-Note': '<img src=x onerror="globalThis.heraldPwned=3">' },
      body: '<script>globalThis.heraldPwned=4</script><b>bold?</b>',
      metadata: { note: '<iframe src="javascript:globalThis.heraldPwned=5"></iframe>' },
    });
    await herald.waitForStatus(id, FINAL);
    const page = await signedIn(`#/notifications/${id}`);
    const snippet = page.locator('pre.snippet');
    await snippet.waitFor();
    expect(await snippet.textContent()).toBe(MARKUP_BODY);
    expect(await page.getByRole('table', { name: /Headers/ }).textContent()).toContain(
      '<img src=x onerror="globalThis.heraldPwned=3">',
    );
    expect(await page.locator('pre.body').first().textContent()).toBe(
      '<script>globalThis.heraldPwned=4</script><b>bold?</b>',
    );
    // Nothing supplied became an element, and nothing ran.
    expect(await page.locator('main img, main script, main iframe, main b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { heraldPwned?: unknown }).heraldPwned)).toBeUndefined();
    await screenshot(page, '6-notification-markup');
  });

  it('cancels a waiting notification (its destination paused); a final one offers neither button', async () => {
    const held = await startVendor();
    try {
      // A destination exists once something was sent to it.
      const warmUp = await send({ url: `${held.url}/ok` });
      await herald.waitForStatus(warmUp, FINAL);
      expect((await herald.call('POST', `${destinationPath(held)}/pause`)).status).toBe(200);
      const id = await send({ url: `${held.url}/ok` });
      const page = await signedIn(`#/notifications/${id}`);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Cancel notification' }).click();
      await expect
        .poll(() => page.locator('dl.facts .badge').first().textContent(), { timeout: 10_000 })
        .toBe('CANCELLED');
      expect((await herald.get(id)).body.status).toBe('CANCELLED');
      expect(await page.locator('.actions button').count()).toBe(0);
      expect(held.requests).toHaveLength(1);
    } finally {
      await held.close();
    }
  });

  it('destinations: pause and resume, set limits and clear them', async () => {
    const target = await startVendor();
    try {
      await herald.waitForStatus(await send({ url: `${target.url}/ok` }), FINAL);
      const page = await signedIn('#/destinations');
      const row = page.locator(`tr[data-destination="${target.url}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => row.locator('.badge').textContent()).toBe('PAUSED');
      expect((await herald.call('GET', destinationPath(target))).body.state).toBe('PAUSED');
      await screenshot(page, '7-destinations-paused');
      await row.getByRole('button', { name: 'Resume' }).click();
      await expect.poll(() => row.locator('.badge').textContent()).toBe('CLOSED');
      expect((await herald.call('GET', destinationPath(target))).body.state).toBe('CLOSED');

      await row.getByRole('button', { name: 'Limits' }).click();
      const form = page.getByRole('form', { name: `Limits of ${target.url}` });
      await form.getByLabel(/Max concurrency/).fill('2');
      await form.getByLabel(/Requests per second/).fill('5');
      await screenshot(page, '8-destinations-limits');
      await expectAccessible(page);
      await form.getByRole('button', { name: 'Save limits' }).click();
      await expect.poll(() => row.textContent()).toContain('5 / s');
      expect((await herald.call('GET', destinationPath(target))).body).toMatchObject({
        maxConcurrency: 2,
        maxConcurrencyOverride: 2,
        requestsPerSecond: 5,
      });

      await row.getByRole('button', { name: 'Limits' }).click();
      await form.getByLabel(/Max concurrency/).fill('');
      await form.getByLabel(/Requests per second/).fill('');
      await form.getByRole('button', { name: 'Save limits' }).click();
      await expect.poll(() => row.textContent()).toContain('no rate limit');
      expect((await herald.call('GET', destinationPath(target))).body).toMatchObject({
        maxConcurrencyOverride: null,
        requestsPerSecond: null,
      });

      // A refused limit is shown as the API explains it.
      await row.getByRole('button', { name: 'Limits' }).click();
      await form.getByLabel(/Requests per second/).fill('0');
      await form.getByRole('button', { name: 'Save limits' }).click();
      await form.getByRole('alert').waitFor();
      expect(await form.getByRole('alert').textContent()).toContain('requestsPerSecond');
    } finally {
      await target.close();
    }
  });

  it('recover: counts the FAILED notifications of a destination, recovers them to DONE, and they are delivered', async () => {
    const broken = await startVendor();
    try {
      const failed = await Promise.all([1, 2, 3].map(() => send({ url: `${broken.url}/switch`, maxAttempts: 1 })));
      // Another destination's failure is not part of this recovery.
      const elsewhere = await send({ url: `${vendor.url}/status/500`, maxAttempts: 1 });
      for (const id of [...failed, elsewhere]) await herald.waitForStatus(id, FINAL);
      const page = await signedIn('#/recover');
      await page.getByLabel('Destination').fill(broken.url);
      await page.getByRole('button', { name: 'Count matching' }).click();
      await page.waitForURL(/destination=/);
      await page.getByText('3 failed notifications match.').waitFor();
      await screenshot(page, '9-recover');
      await expectAccessible(page);

      broken.healthy = true;
      await page.getByRole('button', { name: 'Start recovery' }).click();
      // The job has its own page, watched until it is DONE; it survives a reload.
      await page.waitForURL(/#\/recover\/[0-9a-f-]+$/);
      await expect.poll(() => page.locator('.recovery-state .badge').textContent(), { timeout: 15_000 }).toBe('DONE');
      await page.reload();
      await page.getByText('3 of 3 handled').waitFor({ timeout: 15_000 });
      const facts = await page.locator('.recovery-state ~ dl.facts dd').allTextContents();
      expect(facts.slice(0, 4)).toEqual(['3', '3', '0', broken.url]);
      for (const id of failed) expect((await herald.waitForStatus(id, FINAL)).status).toBe('SUCCESS');
      expect((await herald.get(elsewhere)).body.status).toBe('FAILED');
      await screenshot(page, '10-recovery-done');
      await expectAccessible(page);
    } finally {
      await broken.close();
    }
  });
  it('times show their zone: a browser in New York reads EST, the ISO instant in the title', async () => {
    const id = await send({ url: `${vendor.url}/ok` });
    await herald.waitForStatus(id, FINAL);
    const newYork = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    try {
      newYork.setDefaultTimeout(10_000);
      const page = await newYork.newPage();
      await page.goto(`${service.baseUrl}/console#/notifications/${id}`);
      await page.getByLabel('API key').fill(API_KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const created = page.locator('dl.facts time').first();
      await created.waitFor();
      const iso = String(await created.getAttribute('datetime'));
      const shown = String(await created.textContent());
      // December: Eastern Standard Time, five hours behind UTC.
      const local = new Date(Date.parse(iso) - 5 * 3_600_000).toISOString();
      expect(shown).toBe(`${local.slice(0, 10)} ${local.slice(11, 19)} EST`);
      expect(await page.locator('.updated').textContent()).toMatch(/^Updated \d\d:\d\d:\d\d EST$/);
      await screenshot(page, '12-times-with-zone');
    } finally {
      await newYork.close();
    }
  });

  it('overview: a minute with one failure beside many successes still shows its failed bar', async () => {
    const open = await step('start a Herald without keys', () => startSingleProcess());
    const busy = await startVendor();
    try {
      const client = new HeraldClient(open.baseUrl);
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push((await client.send({ url: `${busy.url}/ok` })).body.id);
      ids.push((await client.send({ url: `${busy.url}/status/400`, maxAttempts: 1 })).body.id);
      for (const id of ids) await client.waitForStatus(id, FINAL);

      current = await watchedPage(context, open.baseUrl);
      const { page } = current;
      await page.goto(`${open.baseUrl}/console#/`);
      const chart = page.getByRole('img', { name: /Deliveries per minute over the last hour/ });
      await expect.poll(() => chart.getAttribute('aria-label')).toContain('60 succeeded, 1 failed');
      // Linear, a failure among 60 successes would be 2 px of a 120 px chart; it gets at least 4.
      const failed = await page.locator('.chart rect.bad').boundingBox();
      expect(failed?.height).toBeGreaterThanOrEqual(4);
      await screenshot(page, '13-chart-one-failure');
    } finally {
      await step('stop the Herald without keys', () => open.stop());
      await busy.close();
    }
  });

  it('recover with no filter asks first, naming how many it would retry', async () => {
    const broken = await startVendor();
    try {
      const ids = await Promise.all([1, 2].map(() => send({ url: `${broken.url}/status/500`, maxAttempts: 1 })));
      for (const id of ids) await herald.waitForStatus(id, FINAL);
      const total = (await herald.call('GET', '/v1/notifications?status=FAILED&limit=100')).body.items.length as number;
      const page = await signedIn('#/recover');
      await page.getByText(`${total} failed notifications match.`).waitFor();
      await page.getByRole('button', { name: 'Start recovery' }).click();
      // Nothing started yet: the page asks, with the count.
      const confirm = page.getByRole('group', { name: 'Confirm the recovery' });
      expect(await confirm.textContent()).toContain(`every FAILED notification (${total})`);
      expect(page.url()).toMatch(/#\/recover$/);
      await screenshot(page, '11-recover-confirm');
      await expectAccessible(page);
      await confirm.getByRole('button', { name: 'Keep them' }).click();
      expect(await confirm.count()).toBe(0);
      expect((await herald.call('GET', '/v1/notifications?status=FAILED&limit=100')).body.items.length).toBe(total);

      await page.getByRole('button', { name: 'Start recovery' }).click();
      await page.getByRole('button', { name: `Recover all ${total}` }).click();
      await page.waitForURL(/#\/recover\/[0-9a-f-]+$/);
      await expect.poll(() => page.locator('.recovery-state .badge').textContent(), { timeout: 15_000 }).toBe('DONE');
    } finally {
      await broken.close();
    }
  });
});
