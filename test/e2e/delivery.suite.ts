import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeraldClient } from '../helpers/herald-client.js';
import { largeBodies } from '../helpers/notifications.js';
import type { RunningService, StartService } from '../helpers/services.js';
import { startVendor, type Vendor } from '../helpers/vendor-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * Ingest → store → queue → worker → vendor → record, through the real HTTP API and a real vendor
 * server. Runs unchanged against every mode (STYLE.md practice 3).
 */
export function describeDeliveryE2E(mode: string, start: StartService): void {
  describe(`delivery end to end (${mode})`, () => {
    let service: RunningService;
    let vendor: Vendor;
    let herald: HeraldClient;

    beforeAll(async () => {
      vendor = await startVendor();
      service = await start();
      herald = new HeraldClient(service.baseUrl);
    });
    afterAll(async () => {
      await service?.stop();
      await vendor?.close();
    });

    it('delivers the caller’s request exactly, with Herald’s own headers, and records the success', async () => {
      const sent = await herald.send({
        url: `${vendor.url}/ok?x=1`,
        method: 'PUT',
        headers: { 'Content-Type': 'text/plain', 'X-Custom': 'abc', Authorization: 'Bearer vendor-secret' },
        body: 'hello, vendor',
        metadata: { orderId: 42 },
      });
      expect(sent.status).toBe(202);
      expect(sent.headers.location).toBe(`/v1/notifications/${sent.body.id}`);
      expect(['PENDING', 'QUEUED', 'PROCESSING', 'SUCCESS']).toContain(sent.body.status);

      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.deliveryResult.errorDetails).toBeNull();
      expect(done.status).toBe('SUCCESS');
      expect(done.attempts).toBe(1);
      expect(done.deliveredAt).toEqual(expect.any(String));
      expect(done.deliveryResult).toMatchObject({ success: true, category: 'SUCCESS', statusCode: 200 });
      expect(done.metadata).toEqual({ orderId: 42 });
      expect(done.headers.Authorization).toBe('[REDACTED]');

      const [received] = vendor.requestsFor(sent.body.id);
      expect(received?.method).toBe('PUT');
      expect(received?.path).toBe('/ok?x=1');
      expect(received?.body).toBe('hello, vendor');
      expect(received?.headers['content-type']).toBe('text/plain');
      expect(received?.headers['x-custom']).toBe('abc');
      expect(received?.headers.authorization).toBe('Bearer vendor-secret');
      expect(received?.headers['x-herald-attempt']).toBe('1');
      expect(received?.headers['x-herald-correlation-id']).toBe(done.deliveryResult.correlationId);

      const history = await herald.call('GET', `/v1/notifications/${sent.body.id}/attempts`);
      expect(history.status).toBe(200);
      expect(history.body.attempts).toHaveLength(1);
      expect(history.body.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, success: true });
    });

    it('redacts secret-looking query values of the URL in every read, and delivers the URL intact', async () => {
      const query = '?event=order&api_key=k-123&X-Amz-Signature=s1g&sessionToken=t0k';
      const sent = await herald.send({ url: `${vendor.url}/ok${query}` });
      const shown = `${vendor.url}/ok?event=order&api_key=[REDACTED]&X-Amz-Signature=[REDACTED]&sessionToken=[REDACTED]`;
      expect(sent.body.url).toBe(shown);
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      expect((await herald.get(sent.body.id)).body.url).toBe(shown);
      const { body: page } = await herald.call('GET', '/v1/notifications?limit=100');
      expect(page.items.find((item: { id: string }) => item.id === sent.body.id)?.url).toBe(shown);
      expect(vendor.requestsFor(sent.body.id)[0]?.path).toBe(`/ok${query}`);
    });

    it('sends a JSON body JSON-encoded, as application/json when the caller names no type', async () => {
      const sent = await herald.send({ url: `${vendor.url}/ok`, body: { order: 7, items: ['a'] } });
      await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      const [received] = vendor.requestsFor(sent.body.id);
      expect(JSON.parse(received?.body ?? '')).toEqual({ order: 7, items: ['a'] });
      expect(received?.headers['content-type']).toBe('application/json');
    });

    it('delivers 64 KB bodies byte for byte, and every read answers with the body as it was sent', async () => {
      const [text, object] = largeBodies(64 * 1024);
      const sent = await Promise.all([
        herald.send({
          url: `${vendor.url}/ok`,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
          body: text.body,
        }),
        herald.send({ url: `${vendor.url}/ok`, body: object.body }),
      ]);
      expect(sent.map((r) => r.status)).toEqual([202, 202]);
      const ids: string[] = sent.map((r) => r.body.id);
      await Promise.all(ids.map((id) => herald.waitForStatus(id, ['SUCCESS'])));

      const wire = [Buffer.from(text.body as string, 'utf8'), Buffer.from(JSON.stringify(object.body), 'utf8')];
      expect(wire[0]?.length).toBeGreaterThanOrEqual(64 * 1024);
      ids.forEach((id, i) => {
        const received = vendor.requestsFor(id);
        expect(received).toHaveLength(1);
        expect(received[0]?.bytes.equals(wire[i] as Buffer)).toBe(true);
      });
      // The record as the API writes it: the body's JSON text, exactly, in the single read; the listing
      // carries no body.
      const page = await herald.call('GET', '/v1/notifications?limit=100');
      for (const [i, id] of ids.entries()) {
        const body = [text.body, object.body][i];
        const res = await request(`${service.baseUrl}/v1/notifications/${id}`);
        expect(await res.body.text()).toContain(`"body":${JSON.stringify(body)},`);
        const listed = page.body.items.find((item: { id: string }) => item.id === id);
        expect(listed).toBeDefined();
        expect(listed).not.toHaveProperty('body');
      }
    });

    it('retries 5xx with backoff and succeeds, keeping every attempt oldest first', async () => {
      const sent = await herald.send({ url: `${vendor.url}/fail-first/2`, maxAttempts: 5 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');
      expect(done.attempts).toBe(3);
      const { body } = await herald.call('GET', `/v1/notifications/${sent.body.id}/attempts`);
      expect(body.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
      expect(body.attempts.map((a: { category: string }) => a.category)).toEqual([
        'SERVER_ERROR',
        'SERVER_ERROR',
        'SUCCESS',
      ]);
      expect(vendor.requestsFor(sent.body.id).map((r) => r.headers['x-herald-attempt'])).toEqual(['1', '2', '3']);
    });

    it('honours Retry-After on 429', async () => {
      const sent = await herald.send({ url: `${vendor.url}/retry-after/1`, maxAttempts: 3 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');
      expect(vendor.requestsFor(sent.body.id)).toHaveLength(2);
      const { body } = await herald.call('GET', `/v1/notifications/${sent.body.id}/attempts`);
      expect(body.attempts[0].category).toBe('RATE_LIMITED');
      // The test settings cap delays at 200 ms, so Retry-After: 1 waits the cap, where the backoff
      // alone (base 20 ms, full jitter) would wait at most 20 ms.
      expect(Date.parse(body.attempts[1].timestamp) - Date.parse(body.attempts[0].timestamp)).toBeGreaterThanOrEqual(
        190,
      );
    });

    it('fails at once on a 4xx without retrying', async () => {
      const sent = await herald.send({ url: `${vendor.url}/status/404`, maxAttempts: 5 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('FAILED');
      expect(done.attempts).toBe(1);
      expect(done.deliveredAt).toBeNull();
      expect(done.deliveryResult).toMatchObject({
        success: false,
        retryEligible: false,
        category: 'CLIENT_ERROR',
        statusCode: 404,
      });
      expect(done.deliveryResult.errorDetails.responseBody).toBe('status 404');
    });

    it('does not follow redirects', async () => {
      const sent = await herald.send({ url: `${vendor.url}/status/302`, maxAttempts: 3 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('FAILED');
      expect(done.deliveryResult.category).toBe('CLIENT_ERROR');
      expect(
        vendor.requests.filter((r) => r.path === '/ok' && r.headers['x-herald-notification-id'] === sent.body.id),
      ).toHaveLength(0);
    });

    it('times out a vendor that never answers, retries, then fails with TIMEOUT', async () => {
      const sent = await herald.send({ url: `${vendor.url}/hang`, timeoutMs: 200, maxAttempts: 2 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('FAILED');
      expect(done.attempts).toBe(2);
      expect(done.deliveryResult).toMatchObject({ category: 'TIMEOUT', retryEligible: true, statusCode: null });
    });

    it('retries a refused connection, then fails with NETWORK_ERROR', async () => {
      const closed = await startVendor();
      const deadUrl = `${closed.url}/ok`;
      await closed.close();
      const sent = await herald.send({ url: deadUrl, maxAttempts: 2 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('FAILED');
      expect(done.attempts).toBe(2);
      expect(done.deliveryResult.category).toBe('NETWORK_ERROR');
      expect(done.deliveryResult.errorDetails.code).toBe('ECONNREFUSED');
    });

    it('truncates a huge response body in the record', async () => {
      const sent = await herald.send({ url: `${vendor.url}/huge/500`, maxAttempts: 1 });
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('FAILED');
      const responseBody: string = done.deliveryResult.errorDetails.responseBody;
      expect(responseBody.length).toBeGreaterThan(0);
      expect(responseBody.length).toBeLessThanOrEqual(4096);
    });

    it('turns concurrent duplicates into one record and one delivery', async () => {
      const key = `dup-${Date.now()}`;
      const notification = { url: `${vendor.url}/ok`, body: { n: 1 } };
      const responses = await Promise.all(
        Array.from({ length: 20 }, () => herald.send(notification, { 'Idempotency-Key': key })),
      );
      const ids = new Set(responses.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(19);
      const [id] = [...ids] as string[];
      await herald.waitForStatus(id as string, ['SUCCESS']);

      const replay = await herald.send(notification, { 'Idempotency-Key': key });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ id, status: 'SUCCESS' });
      expect(vendor.requestsFor(id as string)).toHaveLength(1);

      const conflict = await herald.send({ ...notification, body: { n: 2 } }, { 'Idempotency-Key': key });
      expect(conflict.status).toBe(409);
      expect(conflict.body.code).toBe('IDEMPOTENCY_CONFLICT');
    });

    it('takes the idempotency key from the body field too', async () => {
      const notification = { url: `${vendor.url}/ok`, idempotencyKey: `field-${Date.now()}` };
      const first = await herald.send(notification);
      const second = await herald.send(notification);
      expect(first.status).toBe(202);
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);
    });

    it('retries a FAILED notification on request, with a fresh budget and the history kept', async () => {
      const sent = await herald.send({ url: `${vendor.url}/fail-first/1`, maxAttempts: 1 });
      const failed = await herald.waitForStatus(sent.body.id, ['SUCCESS', 'FAILED']);
      expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, maxAttempts: 1 });

      const retried = await herald.call('POST', `/v1/notifications/${sent.body.id}/retry`);
      expect(retried.status).toBe(202);
      // maxAttempts shows the budget in force: the attempt spent and the fresh one the retry grants.
      expect(retried.body.maxAttempts).toBe(2);
      const done = await herald.waitForStatus(sent.body.id, ['SUCCESS']);
      expect(done).toMatchObject({ attempts: 2, maxAttempts: 2 });
      const { body } = await herald.call('GET', `/v1/notifications/${sent.body.id}/attempts`);
      expect(body.attempts.map((a: { success: boolean }) => a.success)).toEqual([false, true]);

      const again = await herald.call('POST', `/v1/notifications/${sent.body.id}/retry`);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('INVALID_STATE');
    });

    it('lists by status, page by page', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const sent = await herald.send({ url: `${vendor.url}/status/410`, maxAttempts: 1, metadata: { i } });
        ids.push(sent.body.id);
      }
      await Promise.all(ids.map((id) => herald.waitForStatus(id, ['FAILED'])));

      const seen: string[] = [];
      let cursor: string | null = null;
      await waitFor(
        async () => {
          const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
          const page = await herald.call('GET', `/v1/notifications?status=FAILED&limit=2${query}`);
          expect(page.status).toBe(200);
          expect(page.body.items.length).toBeLessThanOrEqual(2);
          for (const item of page.body.items) {
            expect(item.status).toBe('FAILED');
            seen.push(item.id);
          }
          cursor = page.body.nextCursor;
          return cursor ? undefined : true;
        },
        { intervalMs: 0, what: 'the last page' },
      );
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of ids) expect(seen).toContain(id);
    });
  });
}
