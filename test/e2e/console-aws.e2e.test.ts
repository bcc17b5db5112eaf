import type { Browser } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningHerald } from '../../src/entrypoints/node/herald-server.js';
import { LOCAL_CREDENTIALS_ENV, type LocalAws, startLocalAws } from '../helpers/aws-engines.js';
import {
  browserContext,
  buildConsole,
  launchChromium,
  screenshot,
  seriousAxeViolations,
  step,
  watchedPage,
} from '../helpers/browser.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { type NodeOnAws, startNodeOnAws } from '../helpers/node-on-aws.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

const API_KEY = 'console-aws-test-key';

/**
 * The same console from the node server on the AWS backend (HERALD_BACKEND=aws on dynalite + fauxqs),
 * where some counts are approximate or unknown: it is served the same way and every page still works.
 */
describe('console (node server, HERALD_BACKEND=aws on dynalite + fauxqs)', () => {
  let aws: LocalAws;
  let node: NodeOnAws;
  let herald: RunningHerald;
  let client: HeraldClient;
  let vendor: Vendor;
  let browser: Browser;

  beforeAll(async () => {
    await step('build the console', buildConsole, 30_000);
    for (const [name, value] of Object.entries(LOCAL_CREDENTIALS_ENV)) vi.stubEnv(name, value);
    [aws, vendor, browser] = await Promise.all([
      step('start the local AWS services', startLocalAws, 30_000),
      step('start the vendor', startVendor),
      step('launch chromium', launchChromium, 20_000),
    ]);
    node = await startNodeOnAws(aws, 'herald-console', { HERALD_API_KEYS: API_KEY });
    herald = node.herald;
    client = new HeraldClient(herald.url, API_KEY);
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await aws?.stop();
    await vendor?.close();
    vi.unstubAllEnvs();
  });

  it('serves the console with its security headers, signs in, lists a delivered notification and shows its attempt', async () => {
    const served = await request(`${herald.url}/console`);
    await served.body.dump();
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(served.headers['x-content-type-options']).toBe('nosniff');

    const sent = await client.send({ url: `${vendor.url}/ok` });
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;
    await client.waitForStatus(id, ['SUCCESS', 'FAILED']);

    const context = await browserContext(browser);
    const watched = await watchedPage(context, herald.url);
    const { page } = watched;
    await page.goto(`${herald.url}/console#/`);
    await page.getByLabel('API key').fill(API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    // On DynamoDB some counts are approximate or unknown, and the page says so.
    await page.getByText(/counts some statuses approximately/).waitFor();
    await page.getByRole('img', { name: /Deliveries per minute/ }).waitFor();
    await screenshot(page, 'aws-overview');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Notifications' }).click();
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(3).textContent()).toBe('SUCCESS');
    expect(await row.locator('td').nth(2).textContent()).toBe('default');
    await row.getByRole('link').click();
    const attempts = page.locator('table.attempts tbody tr');
    await expect.poll(() => attempts.count()).toBe(1);
    expect(await attempts.first().locator('td').nth(2).textContent()).toBe('200 OK');

    expect(watched.pageErrors.map(String)).toEqual([]);
    expect(watched.cspViolations).toEqual([]);
    expect(watched.foreignRequests).toEqual([]);
    await context.close();
  });
});
