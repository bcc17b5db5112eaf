import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { acceptNotification } from '../../src/app/accept-notification.js';
import { deliverNotification } from '../../src/app/deliver-notification.js';
import { ValidationError } from '../../src/domain/errors.js';
import type { Notification } from '../../src/domain/notification.js';
import { type SigningSecrets, staticSigningSecrets } from '../../src/ports/signing-secrets.js';
import { FakeClock, FakeHttpSender, fakeDependencies, httpResponse, type ScriptedExchange } from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';

/** The worker and ingest with signing: headers checked with the reference library only. */

const NEW = `whsec_${randomBytes(32).toString('base64')}`;
const OLD = `whsec_${randomBytes(32).toString('base64')}`;
const ID = '0190a6f2-6c1e-7b3a-9f00-1234567890ab';

const verifies = (secret: string, body: string, headers: Record<string, string>) => {
  new Webhook(secret).verify(body, headers, { jsonParse: false });
  return true;
};

async function setUp(
  overrides: Partial<Notification>,
  script: ScriptedExchange[] = [httpResponse(200)],
  signingSecrets: SigningSecrets = staticSigningSecrets([NEW, OLD]),
) {
  // The reference library refuses timestamps five minutes away from its clock: start the fake at now.
  const clock = new FakeClock(new Date());
  const deps = fakeDependencies({ sender: new FakeHttpSender(...script), clock, signingSecrets });
  await deps.store.insert(makeNotification({ id: ID, status: 'QUEUED', maxAttempts: 3, ...overrides }));
  return deps;
}

describe('a signed delivery', () => {
  it('carries webhook-id, the attempt’s webhook-timestamp and a signature per secret over the body as sent', async () => {
    const deps = await setUp({ sign: true, body: { amount: 12.5, note: 'déjà vu' } }, [
      () => {
        deps.clock.advance(1500);
        return httpResponse(200);
      },
    ]);
    const sentAt = Math.floor(deps.clock.now().getTime() / 1000);

    await deliverNotification(deps, ID);

    const [request] = deps.sender.requests;
    const headers = request?.headers ?? {};
    expect(request?.body).toBe('{"amount":12.5,"note":"déjà vu"}');
    expect(headers['webhook-id']).toBe(ID);
    expect(headers['webhook-timestamp']).toBe(String(sentAt));
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifies(NEW, request?.body ?? '', headers)).toBe(true);
    expect(verifies(OLD, request?.body ?? '', headers)).toBe(true);
    expect(() => new Webhook(NEW).verify('{"amount":125}', headers)).toThrow();
    expect((await deps.store.get(ID))?.status).toBe('SUCCESS');
  });

  it('signs each attempt at its own time, with the same webhook-id', async () => {
    const deps = await setUp({ sign: true, body: 'text' }, [httpResponse(503), httpResponse(200)]);

    await deliverNotification(deps, ID);
    deps.clock.advance(2000);
    const record = await deps.store.get(ID);
    deps.clock.advance(Math.max(0, Date.parse(record?.nextAttemptAt ?? '') - deps.clock.now().getTime()));
    await deliverNotification(deps, ID);

    const [first, second] = deps.sender.requests.map((r) => r.headers);
    expect(first?.['webhook-id']).toBe(ID);
    expect(second?.['webhook-id']).toBe(ID);
    expect(Number(second?.['webhook-timestamp'])).toBeGreaterThan(Number(first?.['webhook-timestamp']));
    expect(second?.['webhook-signature']).not.toBe(first?.['webhook-signature']);
    expect(verifies(NEW, 'text', second ?? {})).toBe(true);
  });

  it('signs an absent body as the empty string', async () => {
    const deps = await setUp({ sign: true, method: 'GET', body: null });
    await deliverNotification(deps, ID);
    const [request] = deps.sender.requests;
    expect(request?.body).toBeNull();
    expect(verifies(NEW, '', request?.headers ?? {})).toBe(true);
  });

  it('adds no webhook-* header to an unsigned notification', async () => {
    const deps = await setUp({ sign: false });
    await deliverNotification(deps, ID);
    expect(Object.keys(deps.sender.requests[0]?.headers ?? {}).filter((name) => name.startsWith('webhook-'))).toEqual(
      [],
    );
  });

  it('sends nothing when the secrets cannot be read: the failure reaches the queue, which redelivers', async () => {
    const unavailable: SigningSecrets = {
      configured: true,
      current: () => Promise.reject(new Error('Secrets Manager is unavailable')),
    };
    const deps = await setUp({ sign: true }, [], unavailable);

    await expect(deliverNotification(deps, ID)).rejects.toThrow(/Secrets Manager/);

    expect(deps.sender.requests).toEqual([]);
    expect(await deps.store.get(ID)).toMatchObject({ status: 'PROCESSING', attempts: 0 });
  });
});

describe('accepting a signed notification', () => {
  const queue = { send: async () => {}, receive: async () => [], delete: async () => {} };

  it('records sign: true when a secret is configured', async () => {
    const deps = { ...fakeDependencies({ signingSecrets: staticSigningSecrets([NEW]) }), queue };
    const { notification } = await acceptNotification(deps, { url: 'https://vendor.example/a', sign: true });
    expect(notification.sign).toBe(true);
    expect((await deps.store.get(notification.id))?.sign).toBe(true);
  });

  it('refuses sign: true without a configured secret, naming sign, and stores nothing', async () => {
    const deps = { ...fakeDependencies(), queue };
    const accepting = acceptNotification(deps, { url: 'https://vendor.example/a', sign: true });
    await expect(accepting).rejects.toBeInstanceOf(ValidationError);
    await expect(accepting).rejects.toMatchObject({ issues: [{ field: 'sign' }] });
    expect((await deps.store.list({ limit: 10 })).items).toEqual([]);
  });

  it('treats the same key with and without sign as a conflict, not a replay', async () => {
    const deps = { ...fakeDependencies({ signingSecrets: staticSigningSecrets([NEW]) }), queue };
    const request = { url: 'https://vendor.example/a', idempotencyKey: 'order-1' };
    await acceptNotification(deps, request);
    await expect(acceptNotification(deps, { ...request, sign: true })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
    expect((await acceptNotification(deps, request)).outcome).toBe('replayed');
  });
});
