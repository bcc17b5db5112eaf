import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsLocalProcess } from '../helpers/aws-local-process.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { type RunningService, type StartService, startSingleProcess } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';

/** `npm run demo-vendor`, the README walkthrough's vendor, as a process of its own on a free port. */
async function startDemoVendor(): Promise<{ url: string; output(): string; process: ChildProcess }> {
  const child = spawn('npm', ['run', 'demo-vendor', '--silent', '--', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], {
    what: 'the demo vendor to print the address it listens on',
  });
  return { url, output: () => output, process: child };
}

describe('the demo vendor (npm run demo-vendor)', () => {
  let vendor: Awaited<ReturnType<typeof startDemoVendor>>;
  beforeAll(async () => {
    vendor = await startDemoVendor();
  });
  afterAll(() => {
    vendor?.process.kill('SIGTERM');
  });

  it('answers 200 by default, 500 on /fail, 429 with Retry-After on /slow-down, and prints each request', async () => {
    const ok = await fetch(`${vendor.url}/webhooks/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-herald-notification-id': 'demo-id-1' },
      body: JSON.stringify({ orderId: 1234, event: 'shipped' }),
    });
    expect(ok.status).toBe(200);
    const failed = await fetch(`${vendor.url}/fail`, { method: 'POST', body: 'x' });
    expect(failed.status).toBe(500);
    const slowDown = await fetch(`${vendor.url}/slow-down/orders`, { method: 'POST', body: 'x' });
    expect(slowDown.status).toBe(429);
    expect(slowDown.headers.get('retry-after')).toBe('5');

    const printed = await waitFor(() => (vendor.output().includes('/slow-down/orders') ? vendor.output() : undefined), {
      what: 'the requests to be printed',
    });
    expect(printed).toMatch(/POST \/webhooks\/orders -> 200/);
    expect(printed).toContain('x-herald-notification-id: demo-id-1');
    expect(printed).toContain('{"orderId":1234,"event":"shipped"}');
    expect(printed).toMatch(/POST \/fail -> 500/);
    expect(printed).toMatch(/POST \/slow-down\/orders -> 429/);
  });

  for (const [mode, start] of [
    ['single process', startSingleProcess],
    ['aws-local', startAwsLocalProcess],
  ] as [string, StartService][]) {
    describe(`through Herald (${mode})`, () => {
      let service: RunningService;
      let herald: HeraldClient;
      beforeAll(async () => {
        service = await start();
        herald = new HeraldClient(service.baseUrl);
      }, 60_000);
      afterAll(async () => {
        await service?.stop();
      });

      it('delivers a notification to it (SUCCESS), and retries one to its failing path until FAILED', async () => {
        const sent = await herald.send({ url: `${vendor.url}/webhooks/orders`, body: { orderId: 1234 } });
        expect(sent.status).toBe(202);
        const failing = await herald.send({ url: `${vendor.url}/fail`, maxAttempts: 2 });
        expect(failing.status).toBe(202);

        expect(await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED'], 30_000)).toMatchObject({
          status: 'SUCCESS',
          attempts: 1,
        });
        const failed = await herald.waitForStatus(failing.body.id, ['SUCCESS', 'FAILED'], 30_000);
        expect(failed).toMatchObject({ status: 'FAILED', attempts: 2 });
        expect(failed.deliveryResult).toMatchObject({ statusCode: 500 });
        await waitFor(() => (vendor.output().includes(sent.body.id) ? true : undefined), {
          what: 'the delivery to be printed',
        });
      }, 60_000);
    });
  }
});
