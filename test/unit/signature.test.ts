import { randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  MIN_SECRET_BYTES,
  signatureHeaders,
  signingSecretProblem,
  splitSecretList,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '../../src/domain/signature.js';

/** Signatures are checked with the reference library only, never with our own code. */

const secretOf = (bytes: number) => `whsec_${randomBytes(bytes).toString('base64')}`;
const NEW = secretOf(32);
const OLD = secretOf(32);
const ID = '0190a6f2-6c1e-7b3a-9f00-1234567890ab';
// The reference library refuses timestamps more than five minutes from its clock: sign "now".
const now = () => new Date();

/** The reference library's verdict, as a value: the error's class, or 'verified'. */
function verify(secret: string, body: string, headers: Record<string, string>): string {
  try {
    new Webhook(secret).verify(body, headers, { jsonParse: false });
    return 'verified';
  } catch (error) {
    return error instanceof WebhookVerificationError ? 'refused' : `threw ${String(error)}`;
  }
}

describe('signatureHeaders', () => {
  it('gives webhook-id, webhook-timestamp in Unix seconds and one v1 signature per secret', () => {
    const at = new Date('2026-03-01T12:34:56.789Z');
    const headers = signatureHeaders({ id: ID, timestamp: at, body: '{"a":1}' }, [NEW, OLD]);
    expect(Object.keys(headers).sort()).toEqual(
      [WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER].sort(),
    );
    expect(headers[WEBHOOK_ID_HEADER]).toBe(ID);
    expect(headers[WEBHOOK_TIMESTAMP_HEADER]).toBe(String(Date.parse('2026-03-01T12:34:56Z') / 1000));
    const signatures = headers[WEBHOOK_SIGNATURE_HEADER]?.split(' ') ?? [];
    expect(signatures).toHaveLength(2);
    for (const signature of signatures) expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('is verified by the reference library with the secret that signed', () => {
    const body = JSON.stringify({ order: 7, note: 'crème brûlée ✓' });
    const headers = signatureHeaders({ id: ID, timestamp: now(), body }, [NEW]);
    expect(verify(NEW, body, headers)).toBe('verified');
  });

  it('lets a receiver holding only the new or only the old secret verify during a rotation', () => {
    const body = 'plain text, sent as is';
    const headers = signatureHeaders({ id: ID, timestamp: now(), body }, [NEW, OLD]);
    expect(verify(NEW, body, headers)).toBe('verified');
    expect(verify(OLD, body, headers)).toBe('verified');
    expect(verify(secretOf(32), body, headers)).toBe('refused');
  });

  it('signs an absent body as the empty string', () => {
    const headers = signatureHeaders({ id: ID, timestamp: now(), body: '' }, [NEW]);
    expect(verify(NEW, '', headers)).toBe('verified');
    expect(verify(NEW, 'null', headers)).toBe('refused');
  });

  it('is refused when the body, the id or the timestamp was changed', () => {
    const body = '{"amount":100}';
    const headers = signatureHeaders({ id: ID, timestamp: now(), body }, [NEW]);
    expect(verify(NEW, '{"amount":1000}', headers)).toBe('refused');
    expect(verify(NEW, body, { ...headers, [WEBHOOK_ID_HEADER]: `${ID}x` })).toBe('refused');
    const timestamp = Number(headers[WEBHOOK_TIMESTAMP_HEADER]);
    expect(verify(NEW, body, { ...headers, [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp - 1) })).toBe('refused');
  });

  it('differs from one second to the next, so each attempt has its own signature', () => {
    const first = signatureHeaders({ id: ID, timestamp: new Date(1_700_000_000_000), body: 'b' }, [NEW]);
    const second = signatureHeaders({ id: ID, timestamp: new Date(1_700_000_001_000), body: 'b' }, [NEW]);
    expect(first[WEBHOOK_SIGNATURE_HEADER]).not.toBe(second[WEBHOOK_SIGNATURE_HEADER]);
  });

  it('refuses to produce headers without a secret, or with one not in whsec_ form', () => {
    expect(() => signatureHeaders({ id: ID, timestamp: now(), body: '' }, [])).toThrow(/no signing secret/);
    expect(() => signatureHeaders({ id: ID, timestamp: now(), body: '' }, [NEW.slice('whsec_'.length)])).toThrow(
      /whsec_/,
    );
  });
});

describe('signingSecretProblem', () => {
  it('accepts whsec_ and standard base64 of 24 bytes or more', () => {
    expect(signingSecretProblem(secretOf(MIN_SECRET_BYTES))).toBeNull();
    expect(signingSecretProblem(secretOf(64))).toBeNull();
    // 25 and 26 bytes end in padding.
    expect(signingSecretProblem(secretOf(25))).toBeNull();
    expect(signingSecretProblem(secretOf(26))).toBeNull();
  });

  it.each([
    ['no prefix', randomBytes(32).toString('base64'), /whsec_/],
    ['an empty key', 'whsec_', /base64/],
    ['base64url characters', `whsec_${'-_'.repeat(22)}AA==`, /base64/],
    ['missing padding', `whsec_${randomBytes(25).toString('base64').replace(/=+$/, '')}`, /base64/],
    ['spaces inside', `whsec_${randomBytes(16).toString('base64')} ${randomBytes(16).toString('base64')}`, /base64/],
    ['23 bytes', secretOf(MIN_SECRET_BYTES - 1), /at least 24 bytes/],
  ])('refuses %s', (_name, secret, reason) => {
    expect(signingSecretProblem(secret)).toMatch(reason);
  });

  it('agrees with the reference library about the key it decodes', () => {
    const secret = secretOf(33);
    const headers = signatureHeaders({ id: ID, timestamp: now(), body: 'x' }, [secret]);
    expect(signingSecretProblem(secret)).toBeNull();
    expect(verify(secret, 'x', headers)).toBe('verified');
  });
});

describe('splitSecretList', () => {
  it('splits on commas, trims, and drops empty entries', () => {
    expect(splitSecretList(' whsec_a , whsec_b,, ')).toEqual(['whsec_a', 'whsec_b']);
    expect(splitSecretList('')).toEqual([]);
  });
});
