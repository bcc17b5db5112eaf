import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { acceptNotification } from '../../src/app/accept-notification.js';
import { deliverNotification } from '../../src/app/deliver-notification.js';
import { destinationOf } from '../../src/domain/destination.js';
import { ValidationError } from '../../src/domain/errors.js';
import type { Notification } from '../../src/domain/notification.js';
import { deriveSigningSecret } from '../../src/domain/signature.js';
import { type SigningSecrets, staticSigningSecrets } from '../../src/ports/signing-secrets.js';
import { FakeClock, FakeHttpSender, fakeDependencies, httpResponse, type ScriptedExchange } from '../helpers/fakes.js';
import { makeNotification } from '../helpers/notifications.js';

/** The worker and ingest with signing: headers checked with the reference library only. */

const NEW = `whsec_${randomBytes(32).toString('base64')}`;
const OLD = `whsec_${randomBytes(32).toString('base64')}`;
const ID = '0190a6f2-6c1e-7b3a-9f00-1234567890ab';
const DESTINATION = destinationOf(makeNotification({}).url);

/** What the receiver of makeNotification's destination is given: its own keys, one per configured secret. */
const RECEIVER_NEW = deriveSigningSecret(NEW, DESTINATION);
const RECEIVER_OLD = deriveSigningSecret(OLD, DESTINATION);

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
    expect(verifies(RECEIVER_NEW, request?.body ?? '', headers)).toBe(true);
    expect(verifies(RECEIVER_OLD, request?.body ?? '', headers)).toBe(true);
    expect(() => new Webhook(RECEIVER_NEW).verify('{"amount":125}', headers)).toThrow();
    // The configured secrets themselves are no receiver's: holding one would let it sign for all.
    expect(() => new Webhook(NEW).verify(request?.body ?? '', headers)).toThrow();
    expect(() => new Webhook(OLD).verify(request?.body ?? '', headers)).toThrow();
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
    expect(verifies(RECEIVER_NEW, 'text', second ?? {})).toBe(true);
  });

  it('signs an absent body as the empty string', async () => {
    const deps = await setUp({ sign: true, method: 'GET', body: null });
    await deliverNotification(deps, ID);
    const [request] = deps.sender.requests;
    expect(request?.body).toBeNull();
    expect(verifies(RECEIVER_NEW, '', request?.headers ?? {})).toBe(true);
  });

  it('signs each destination with its own keys: what one receiver holds verifies nothing sent to another', async () => {
    const deps = await setUp({ sign: true, body: 'to A' }, [httpResponse(200), httpResponse(200)]);
    const other = 'https://other-vendor.example';
    const OTHER_ID = '0190a6f2-6c1e-7b3a-9f00-1234567890ac';
    await deps.store.insert(
      makeNotification({ id: OTHER_ID, status: 'QUEUED', sign: true, url: `${other}/hook`, body: 'to B' }),
    );
    await deliverNotification(deps, ID);
    await deliverNotification(deps, OTHER_ID);

    const [toA, toB] = deps.sender.requests.map((r) => r.headers);
    expect(verifies(RECEIVER_NEW, 'to A', toA ?? {})).toBe(true);
    expect(() => new Webhook(RECEIVER_NEW).verify('to B', toB ?? {})).toThrow();
    expect(() => new Webhook(RECEIVER_OLD).verify('to B', toB ?? {})).toThrow();
    expect(verifies(deriveSigningSecret(NEW, other), 'to B', toB ?? {})).toBe(true);
    expect(() => new Webhook(deriveSigningSecret(NEW, other)).verify('to A', toA ?? {})).toThrow();
  });

  it("signs with the destination's own key once an operator made one, the derived ones beside it for the window", async () => {
    const deps = await setUp({ sign: true, body: 'own key' });
    const made = await deps.signingKeys.rotate(DESTINATION);
    await deliverNotification(deps, ID);
    const headers = deps.sender.requests[0]?.headers ?? {};
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(3);
    expect(verifies(made.secret, 'own key', headers)).toBe(true);
    expect(verifies(RECEIVER_NEW, 'own key', headers)).toBe(true);
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

  it('accepts sign: true without a configured secret for a destination with a key of its own, and only there', async () => {
    const deps = { ...fakeDependencies(), queue };
    await deps.signingKeys.rotate('https://vendor.example');
    const { notification } = await acceptNotification(deps, { url: 'https://vendor.example/a', sign: true });
    expect(notification.sign).toBe(true);
    await expect(acceptNotification(deps, { url: 'https://another.example/a', sign: true })).rejects.toMatchObject({
      issues: [{ field: 'sign' }],
    });
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
