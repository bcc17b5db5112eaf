import { afterAll, describe, expect, it } from 'vitest';
import { type AwsLocal, startAwsLocal } from '../../src/entrypoints/local/aws-local.js';
import { HeraldClient } from '../helpers/herald-client.js';
import { TEST_ENV } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';

/**
 * start:aws-local builds its handlers' runtime from its own configuration, never from process.env, so
 * one process can run several instances side by side, each with its own settings.
 */
describe('aws-local: several instances in one process', () => {
  const running: AwsLocal[] = [];
  let vendor: Vendor | undefined;
  afterAll(async () => {
    await Promise.all(running.map((local) => local.stop()));
    await vendor?.close();
  });

  it('runs two instances at once with different settings, and leaves process.env as it was', async () => {
    vendor = await startVendor();
    const before = { ...process.env };
    const [two, four] = await Promise.all(
      ['2', '4'].map((maxAttempts) =>
        startAwsLocal({
          ...TEST_ENV,
          HERALD_MAX_ATTEMPTS: maxAttempts,
          // A breaker that opens would hold the failing vendor for its cool-down: not what is tested.
          HERALD_BREAKER_FAILURES: '100',
          HERALD_LOCAL_SWEEP_INTERVAL_MS: String(24 * 3600 * 1000),
        }),
      ),
    );
    running.push(two as AwsLocal, four as AwsLocal);
    expect(process.env).toEqual(before);
    expect(two?.url).not.toBe(four?.url);
    expect(two?.endpoints.dynamoDb).not.toBe(four?.endpoints.dynamoDb);

    const clients = [new HeraldClient((two as AwsLocal).url), new HeraldClient((four as AwsLocal).url)];
    const failing = await Promise.all(clients.map((client) => client.send({ url: `${vendor?.url}/status/503` })));
    const delivered = await Promise.all(clients.map((client) => client.send({ url: `${vendor?.url}/ok` })));
    expect([...failing, ...delivered].map((res) => res.status)).toEqual([202, 202, 202, 202]);

    // Each instance applies its own default maxAttempts, and spends exactly that many on the vendor.
    const [failedOnTwo, failedOnFour] = await Promise.all(
      clients.map((client, i) => client.waitForStatus(failing[i]?.body.id, ['FAILED'], 20_000)),
    );
    expect(failedOnTwo).toMatchObject({ status: 'FAILED', maxAttempts: 2, attempts: 2 });
    expect(failedOnFour).toMatchObject({ status: 'FAILED', maxAttempts: 4, attempts: 4 });
    expect(vendor.requestsFor(failing[0]?.body.id)).toHaveLength(2);
    expect(vendor.requestsFor(failing[1]?.body.id)).toHaveLength(4);
    for (const [i, client] of clients.entries()) {
      expect(await client.waitForStatus(delivered[i]?.body.id, ['SUCCESS'])).toMatchObject({ attempts: 1 });
    }

    // Separate tables: neither instance knows the other's notifications.
    expect((await clients[0]?.get(delivered[1]?.body.id))?.status).toBe(404);
    expect((await clients[1]?.get(delivered[0]?.body.id))?.status).toBe(404);

    await Promise.all(running.splice(0).map((local) => local.stop()));
    expect(process.env).toEqual(before);
  });
});
