import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import { type RunningService, type StartService, TEST_SIGNING_SECRETS } from '../helpers/services.js';
import { startVendor, type Vendor, type VendorRequest } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** A receiver that was never given either of Herald's keys. */
const STRANGER = `whsec_${Buffer.from('a key Herald never signed with, 32+').toString('base64')}`;

/**
 * What a receiver does with a signed delivery, done with the reference library (never our code):
 * 'verified', or 'refused' when the library rejects the signature.
 */
function receiverVerdict(secret: string, request: VendorRequest, body = request.body): 'verified' | 'refused' {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
  ) as Record<string, string>;
  try {
    new Webhook(secret).verify(body, headers, { jsonParse: false });
    return 'verified';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return 'refused';
    throw error;
  }
}

const timestampOf = (request: VendorRequest | undefined) => Number(request?.headers['webhook-timestamp']);
const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** What an operator reads to hand a receiver its keys: GET …/signing-secret, newest first. */
async function signingKeysOf(herald: HeraldClient, origin: string): Promise<{ secret: string; source: string }[]> {
  const res = await herald.call('GET', `/v1/destinations/${encodeURIComponent(origin)}/signing-secret`);
  expect(res.status).toBe(200);
  expect(res.body.destination).toBe(origin);
  return res.body.secrets;
}

/** The one delivery a vendor received of a notification, once it is final. */
async function deliveredRequest(herald: HeraldClient, vendor: Vendor, id: string): Promise<VendorRequest> {
  await herald.waitForStatus(id, ['SUCCESS']);
  const [request] = vendor.requestsFor(id);
  if (!request) throw new Error('the vendor received nothing');
  return request;
}

const signaturesOf = (request: VendorRequest) => String(request.headers['webhook-signature']).split(' ');

/**
 * Standard Webhooks signatures through the real HTTP API and a real vendor server, in every mode.
 * The service runs with TEST_ENV, which configures two secrets as during a key rotation: each
 * destination signs with the two keys derived from them and its origin, which is what its receiver
 * is given (`current`, `previous`).
 */
export function describeSignedDeliveryE2E(mode: string, start: StartService): void {
  describe(`signed delivery end to end (${mode})`, () => {
    let service: RunningService;
    let vendor: Vendor;
    /** Two more receivers, each on an origin of its own. */
    let vendorB: Vendor;
    let vendorC: Vendor;
    let herald: HeraldClient;
    /** The keys `vendor`'s receiver was given, derived from the configured current and previous secrets. */
    let current: string;
    let previous: string;

    beforeAll(async () => {
      [vendor, vendorB, vendorC] = await Promise.all([startVendor(), startVendor(), startVendor()]);
      service = await start();
      herald = new HeraldClient(service.baseUrl);
      const keys = await signingKeysOf(herald, vendor.url);
      expect(keys.map((key) => key.source)).toEqual(['derived', 'derived']);
      [current, previous] = keys.map((key) => key.secret) as [string, string];
    });
    afterAll(async () => {
      await service?.stop();
      await Promise.all([vendor?.close(), vendorB?.close(), vendorC?.close()]);
    });

    it("signs for each receiver with its own key: A verifies with A's key, not with B's, nor with the configured secret", async () => {
      const toA = await herald.send({ url: `${vendor.url}/ok`, body: { to: 'A' }, sign: true });
      const toB = await herald.send({ url: `${vendorB.url}/ok`, body: { to: 'B' }, sign: true });
      const requestToA = await deliveredRequest(herald, vendor, toA.body.id);
      const requestToB = await deliveredRequest(herald, vendorB, toB.body.id);
      const [keyOfB] = (await signingKeysOf(herald, vendorB.url)).map((key) => key.secret) as [string];

      expect(keyOfB).not.toBe(current);
      expect(receiverVerdict(current, requestToA)).toBe('verified');
      expect(receiverVerdict(keyOfB, requestToA)).toBe('refused');
      expect(receiverVerdict(keyOfB, requestToB)).toBe('verified');
      expect(receiverVerdict(current, requestToB)).toBe('refused');
      expect(receiverVerdict(previous, requestToB)).toBe('refused');
      // Herald's configured secrets are nobody's key: holding one would sign for every receiver.
      for (const configured of Object.values(TEST_SIGNING_SECRETS)) {
        expect(receiverVerdict(configured, requestToA)).toBe('refused');
        expect(receiverVerdict(configured, requestToB)).toBe('refused');
      }
    });

    it('signs with a key made by POST …/signing-secret, and keeps the keys it replaces signing beside it', async () => {
      const path = `/v1/destinations/${encodeURIComponent(vendorC.url)}/signing-secret`;
      const derived = (await signingKeysOf(herald, vendorC.url)).map((key) => key.secret);

      const first = await herald.call('POST', path);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        destination: vendorC.url,
        secret: expect.stringMatching(/^whsec_/),
        createdAt: expect.any(String),
      });
      const second = await herald.call('POST', path);
      expect(second.status).toBe(201);
      expect(second.body.secret).not.toBe(first.body.secret);

      const inForce = await signingKeysOf(herald, vendorC.url);
      expect(inForce.map((key) => [key.secret, key.source])).toEqual([
        [second.body.secret, 'destination'],
        [first.body.secret, 'destination'],
        ...derived.map((secret) => [secret, 'derived']),
      ]);
      expect(inForce.slice(1).every((key) => 'expiresAt' in key)).toBe(true);

      const sent = await herald.send({ url: `${vendorC.url}/ok`, body: 'rotating', sign: true });
      const request = await deliveredRequest(herald, vendorC, sent.body.id);
      // One v1 signature per key in force, the new and the previous each verifying alone.
      expect(signaturesOf(request)).toHaveLength(inForce.length);
      for (const signature of signaturesOf(request)) expect(signature).toMatch(/^v1,/);
      for (const { secret } of inForce) expect(receiverVerdict(secret, request)).toBe('verified');
      expect(receiverVerdict(current, request)).toBe('refused');
    });

    it('signs every attempt over the body as sent: one webhook-id, a timestamp per attempt, both keys verify', async () => {
      const sent = await herald.send({
        url: `${vendor.url}/fail-first/2`,
        body: { order: 7, note: 'Grüße, crème brûlée ✓' },
        maxAttempts: 3,
        sign: true,
      });
      expect(sent.status).toBe(202);
      expect(sent.body.sign).toBe(true);
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');

      const received = vendor.requestsFor(sent.body.id);
      expect(received).toHaveLength(3);
      const { body: history } = await herald.call('GET', `/v1/notifications/${sent.body.id}/attempts`);
      received.forEach((request, index) => {
        expect(request.body).toBe('{"order":7,"note":"Grüße, crème brûlée ✓"}');
        expect(request.headers['webhook-id']).toBe(sent.body.id);
        expect(request.headers['webhook-signature']?.toString().split(' ')).toHaveLength(2);
        expect(receiverVerdict(current, request)).toBe('verified');
        expect(receiverVerdict(previous, request)).toBe('verified');
        // Signed when the attempt was sent: after acceptance, no later than its recorded outcome.
        expect(timestampOf(request)).toBeGreaterThanOrEqual(seconds(done.createdAt));
        expect(timestampOf(request)).toBeLessThanOrEqual(seconds(history.attempts[index].timestamp));
      });
      expect(timestampOf(received[1])).toBeGreaterThanOrEqual(timestampOf(received[0]));
      expect(timestampOf(received[2])).toBeGreaterThanOrEqual(timestampOf(received[1]));
    });

    it('fails verification for a tampered body, another webhook-id, or a key Herald does not hold', async () => {
      const sent = await herald.send({ url: `${vendor.url}/ok`, body: { amount: 100 }, sign: true });
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      const [request] = vendor.requestsFor(sent.body.id);
      if (!request) throw new Error('the vendor received nothing');

      expect(receiverVerdict(current, request)).toBe('verified');
      expect(receiverVerdict(current, request, '{"amount":1000}')).toBe('refused');
      expect(receiverVerdict(current, request, `${request.body} `)).toBe('refused');
      const replayedUnderAnotherId = { ...request, headers: { ...request.headers, 'webhook-id': `${sent.body.id}0` } };
      expect(receiverVerdict(current, replayedUnderAnotherId)).toBe('refused');
      expect(receiverVerdict(STRANGER, request)).toBe('refused');
    });

    it('lets a receiver holding only the old key and one holding only the new key verify during a rotation', async () => {
      const sent = await herald.send({ url: `${vendor.url}/ok`, body: 'plain text, sent as is', sign: true });
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      const [request] = vendor.requestsFor(sent.body.id);
      if (!request) throw new Error('the vendor received nothing');
      const signatures = String(request.headers['webhook-signature']).split(' ');
      expect(signatures).toHaveLength(2);
      for (const signature of signatures) expect(signature).toMatch(/^v1,/);
      // Each receiver verifies with the one key it was given.
      expect({ newKeyOnly: receiverVerdict(current, request), oldKeyOnly: receiverVerdict(previous, request) }).toEqual(
        {
          newKeyOnly: 'verified',
          oldKeyOnly: 'verified',
        },
      );
    });

    it('signs an absent body as the empty string', async () => {
      const sent = await herald.send({ url: `${vendor.url}/ok`, method: 'GET', sign: true });
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      const [request] = vendor.requestsFor(sent.body.id);
      if (!request) throw new Error('the vendor received nothing');
      expect(request.body).toBe('');
      expect(receiverVerdict(current, request)).toBe('verified');
    });

    it('signs a manual retry at its own time, under the same webhook-id', async () => {
      const sent = await herald.send({
        url: `${vendor.url}/fail-first/1`,
        maxAttempts: 1,
        body: 'retry me',
        sign: true,
      });
      expect((await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED'])).status).toBe('FAILED');
      const first = vendor.requestsFor(sent.body.id)[0];
      // Wait for the clock to reach the next second (a condition, not a fixed sleep): the timestamps
      // are whole seconds, so only then can the retry's differ from the first attempt's.
      await waitFor(() => (Math.floor(Date.now() / 1000) > timestampOf(first) ? true : undefined), {
        what: 'the next second',
      });

      expect((await herald.call('POST', `/v1/notifications/${sent.body.id}/retry`)).status).toBe(202);
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);

      const [, second] = vendor.requestsFor(sent.body.id);
      if (!first || !second) throw new Error('expected two attempts');
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
      expect(timestampOf(second)).toBeGreaterThan(timestampOf(first));
      expect(second.headers['webhook-signature']).not.toBe(first.headers['webhook-signature']);
      expect(receiverVerdict(current, first)).toBe('verified');
      expect(receiverVerdict(previous, second)).toBe('verified');
    });

    it('records sign on the record and in listings; an unsigned notification carries no webhook-* header', async () => {
      const signed = await herald.send({ url: `${vendor.url}/ok`, sign: true });
      const unsigned = await herald.send({ url: `${vendor.url}/ok` });
      expect(unsigned.body.sign).toBe(false);
      expect((await herald.waitForStatus(signed.body.id, ['SUCCESS'])).sign).toBe(true);
      expect((await herald.waitForStatus(unsigned.body.id, ['SUCCESS'])).sign).toBe(false);
      const listed = await herald.call('GET', '/v1/notifications?status=SUCCESS&limit=100');
      const byId = new Map(listed.body.items.map((item: { id: string; sign: boolean }) => [item.id, item.sign]));
      expect([byId.get(signed.body.id), byId.get(unsigned.body.id)]).toEqual([true, false]);

      const [request] = vendor.requestsFor(unsigned.body.id);
      expect(Object.keys(request?.headers ?? {}).filter((name) => name.startsWith('webhook-'))).toEqual([]);
    });

    it('refuses a signed notification that brings its own webhook-* header, naming it', async () => {
      const res = await herald.send({
        url: `${vendor.url}/ok`,
        sign: true,
        headers: { 'Webhook-Signature': 'v1,forged', 'X-Fine': 'yes' },
      });
      expect(res.status).toBe(400);
      expect(String(res.headers['content-type'])).toContain('application/problem+json');
      expect(res.body.code).toBe('VALIDATION_ERROR');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['headers.Webhook-Signature']);
    });

    it('treats an idempotency key reused with sign changed as a conflict', async () => {
      const key = `signed-${Date.now()}-${Math.random()}`;
      const first = await herald.send({ url: `${vendor.url}/ok`, sign: true }, { 'Idempotency-Key': key });
      expect(first.status).toBe(202);
      expect((await herald.send({ url: `${vendor.url}/ok`, sign: true }, { 'Idempotency-Key': key })).status).toBe(200);
      const conflict = await herald.send({ url: `${vendor.url}/ok` }, { 'Idempotency-Key': key });
      expect(conflict.status).toBe(409);
      expect(conflict.body.code).toBe('IDEMPOTENCY_CONFLICT');
    });
  });
}

/**
 * A Herald without HERALD_SIGNING_SECRETS: only a destination an operator made a key for can sign.
 * `start` must start a service of its own (the env differs from the other suites').
 */
export function describeOwnKeySigningE2E(mode: string, start: StartService): void {
  describe(`signing without HERALD_SIGNING_SECRETS (${mode})`, () => {
    let service: RunningService;
    let vendor: Vendor;
    let stranger: Vendor;
    let herald: HeraldClient;

    beforeAll(async () => {
      [vendor, stranger] = await Promise.all([startVendor(), startVendor()]);
      service = await start({ HERALD_SIGNING_SECRETS: '' });
      herald = new HeraldClient(service.baseUrl);
    });
    afterAll(async () => {
      await service?.stop();
      await Promise.all([vendor?.close(), stranger?.close()]);
    });

    it('signs for a destination given a key of its own, and refuses sign: true for any other', async () => {
      expect(await signingKeysOf(herald, vendor.url)).toEqual([]);
      const refused = await herald.send({ url: `${vendor.url}/ok`, sign: true });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(['sign']);

      const made = await herald.call('POST', `/v1/destinations/${encodeURIComponent(vendor.url)}/signing-secret`);
      expect(made.status).toBe(201);
      expect(await signingKeysOf(herald, vendor.url)).toEqual([
        { secret: made.body.secret, source: 'destination', createdAt: made.body.createdAt },
      ]);
      const sent = await herald.send({ url: `${vendor.url}/ok`, body: 'own key only', sign: true });
      expect(sent.status).toBe(202);
      const request = await deliveredRequest(herald, vendor, sent.body.id);
      expect(signaturesOf(request)).toHaveLength(1);
      expect(receiverVerdict(made.body.secret, request)).toBe('verified');

      expect((await herald.send({ url: `${stranger.url}/ok`, sign: true })).status).toBe(400);
    });
  });
}
