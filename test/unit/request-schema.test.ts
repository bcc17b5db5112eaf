import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import type { NotificationRequest } from '../../src/domain/notification.js';
import { notificationIdFor } from '../../src/domain/notification-id.js';
import {
  fingerprintRequest,
  LIMITS,
  METHODS,
  parseNotificationRequest,
  type RequestDefaults,
} from '../../src/domain/request-schema.js';
import { secretsSubkey } from '../../src/domain/secret-box.js';

const DEFAULTS: RequestDefaults = { maxAttempts: 7, timeoutMs: 4321 };
const URL_OK = 'https://hooks.example.com/inbound';

const parse = (input: unknown, headerKey?: string) => parseNotificationRequest(input, headerKey, DEFAULTS);

/**
 * The distinct fields a rejected input names (one field may carry several issues); fails the test when
 * the input is accepted or throws anything but a ValidationError.
 */
function rejectedFields(input: unknown, headerKey?: string): string[] {
  try {
    parse(input, headerKey);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.code).toBe('VALIDATION_ERROR');
    for (const issue of validation.issues) expect(issue.message).not.toBe('');
    return [...new Set(validation.issues.map((issue) => issue.field))];
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseNotificationRequest', () => {
  it('applies the defaults to a bare url', () => {
    expect(parse({ url: URL_OK })).toEqual({
      url: URL_OK,
      method: 'POST',
      headers: {},
      body: null,
      idempotencyKey: null,
      maxAttempts: DEFAULTS.maxAttempts,
      timeoutMs: DEFAULTS.timeoutMs,
      metadata: null,
      sign: false,
      orderingKey: null,
    } satisfies NotificationRequest);
  });

  it('takes the defaults from its argument, not from a constant', () => {
    const parsed = parseNotificationRequest({ url: URL_OK }, undefined, { maxAttempts: 2, timeoutMs: 60_000 });
    expect(parsed).toMatchObject({ maxAttempts: 2, timeoutMs: 60_000 });
  });

  it('keeps every field it is given', () => {
    const input = {
      url: 'http://api.vendor.test:8080/v2/events?src=herald',
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Signature': 'sha256=abc' },
      body: { event: 'order.paid', amount: 12.5, tags: ['a', null] },
      idempotencyKey: 'order-123/paid',
      maxAttempts: 25,
      timeoutMs: 100,
      metadata: { tenant: 't-1', nested: { ok: true } },
      sign: true,
      orderingKey: 'customer 42 · Zürich',
    };
    expect(parseNotificationRequest(input, undefined, DEFAULTS, { signingConfigured: true })).toEqual(input);
  });

  it.each([
    ['post', 'POST'],
    ['Patch', 'PATCH'],
    ['delete', 'DELETE'],
    ['gEt', 'GET'],
  ])('reads method %s as %s', (method, expected) => {
    expect(parse({ url: URL_OK, method }).method).toBe(expected);
  });

  it('keeps a string body as a string and a JSON body as JSON', () => {
    expect(parse({ url: URL_OK, body: '{"a":1}' }).body).toBe('{"a":1}');
    expect(parse({ url: URL_OK, body: 'plain text' }).body).toBe('plain text');
    expect(parse({ url: URL_OK, body: { a: 1 } }).body).toEqual({ a: 1 });
    expect(parse({ url: URL_OK, body: [1, 'two'] }).body).toEqual([1, 'two']);
    expect(parse({ url: URL_OK, body: 0 }).body).toBe(0);
    expect(parse({ url: URL_OK, body: false }).body).toBe(false);
  });

  it('takes the idempotency key from the header, or from both when they agree', () => {
    expect(parse({ url: URL_OK }, 'key-1').idempotencyKey).toBe('key-1');
    expect(parse({ url: URL_OK, idempotencyKey: 'key-1' }, 'key-1').idempotencyKey).toBe('key-1');
    expect(parse({ url: URL_OK, idempotencyKey: 'key-2' }).idempotencyKey).toBe('key-2');
  });

  it('accepts the limits themselves', () => {
    const url = `https://example.com/${'a'.repeat(LIMITS.urlLength - 'https://example.com/'.length)}`;
    const headers = Object.fromEntries(Array.from({ length: LIMITS.headerCount }, (_, i) => [`X-H${i}`, 'v']));
    expect(() => parse({ url, headers, maxAttempts: 1, timeoutMs: LIMITS.maxTimeoutMs })).not.toThrow();
    expect(() => parse({ url: URL_OK, maxAttempts: LIMITS.maxAttempts, timeoutMs: LIMITS.minTimeoutMs })).not.toThrow();
  });

  describe('rejects, naming the field,', () => {
    it.each([
      ['a non-http scheme', 'ftp://files.example.com/drop'],
      ['a javascript: url', 'javascript:alert(1)'],
      ['a file: url', 'file:///etc/passwd'],
      ['a relative url', '/hooks/inbound'],
      ['a scheme-relative url', '//hooks.example.com/inbound'],
      ['a url without a host', 'http://'],
      ['a url that is not one', 'not a url'],
      ['a url too long', `https://example.com/${'a'.repeat(LIMITS.urlLength)}`],
    ])('%s', (_, url) => {
      expect(rejectedFields({ url })).toEqual(['url']);
    });

    // Parsers strip tab and newline and percent-encode the rest, so the stored url would not be what was checked.
    it.each([
      ['a tab', 'https://hooks.example.com/in\tbound'],
      ['a newline in the host', 'https://hooks.exam\nple.com/inbound'],
      ['a carriage return', 'https://hooks.example.com/inbound\r'],
      ['a NUL', 'https://hooks.example.com/\u0000'],
      ['an ESC', 'https://hooks.example.com/\u001b[31m'],
      ['DEL', 'https://hooks.example.com/\u007f'],
      ['a C1 control (NEL)', 'https://hooks.example.com/\u0085'],
      ['a C1 control (CSI)', 'https://hooks.example.com/\u009b31m'],
    ])('a url holding a control character: %s, with one issue', (_, url) => {
      expect(rejectedFields({ url })).toEqual(['url']);
      try {
        parse({ url });
      } catch (error) {
        expect((error as ValidationError).issues).toEqual([
          { field: 'url', message: 'must not contain control characters' },
        ]);
      }
    });

    it('a url with non-ASCII characters that are not controls is still taken', () => {
      expect(parse({ url: 'https://hooks.example.com/caf\u00e9\u00a0' }).url).toBe(
        'https://hooks.example.com/caf\u00e9\u00a0',
      );
    });

    it.each([
      ['X-Herald-Notification-Id'],
      ['x-herald-attempt'],
      ['X-HERALD-CORRELATION-ID'],
      ['X-Herald-Anything'],
      ['Webhook-Signature'],
      ['webhook-id'],
    ])("a caller's %s header: Herald's own, on every notification", (name) => {
      expect(rejectedFields({ url: URL_OK, headers: { [name]: 'forged', 'X-Ok': 'y' } })).toEqual([`headers.${name}`]);
    });

    it("a header that only looks like one of Herald's is the caller's", () => {
      expect(parse({ url: URL_OK, headers: { 'X-Heralded': 'a', 'Webhooks-Id': 'b' } }).headers).toEqual({
        'X-Heralded': 'a',
        'Webhooks-Id': 'b',
      });
    });

    it('a missing url', () => {
      expect(rejectedFields({ method: 'POST' })).toEqual(['url']);
    });

    it('a url that is not a string', () => {
      expect(rejectedFields({ url: 42 })).toEqual(['url']);
    });

    it('an unknown field, by its own name', () => {
      expect(rejectedFields({ url: URL_OK, header: { 'X-A': '1' } })).toEqual(['header']);
      expect(rejectedFields({ url: URL_OK, retries: 3, callback: 'x' }).sort()).toEqual(['callback', 'retries']);
    });

    it('an unknown method', () => {
      expect(rejectedFields({ url: URL_OK, method: 'FETCH' })).toEqual(['method']);
      expect(rejectedFields({ url: URL_OK, method: 'CONNECT' })).toEqual(['method']);
    });

    it.each([
      ['CR LF', 'a\r\nX-Injected: yes'],
      ['LF', 'a\nb'],
      ['CR', 'a\rb'],
      ['NUL', 'a\u0000b'],
    ])('a header value containing %s', (_, value) => {
      expect(rejectedFields({ url: URL_OK, headers: { 'X-Custom': value } })).toEqual(['headers.X-Custom']);
    });

    it('a header value too long', () => {
      const value = 'v'.repeat(LIMITS.headerValueLength + 1);
      expect(rejectedFields({ url: URL_OK, headers: { 'X-Big': value } })).toEqual(['headers.X-Big']);
    });

    it('a header value that is not a string', () => {
      expect(rejectedFields({ url: URL_OK, headers: { 'X-Count': 3 } })).toEqual(['headers.X-Count']);
    });

    it.each([
      'Connection',
      'connection',
      'Keep-Alive',
      'Transfer-Encoding',
      'TE',
      'Upgrade',
      'Host',
      'Content-Length',
      'Proxy-Authorization',
      'Expect',
      'Trailer',
    ])('the hop-by-hop or framing header %s', (name) => {
      expect(rejectedFields({ url: URL_OK, headers: { [name]: 'x' } })).toEqual([`headers.${name}`]);
    });

    it.each(['Bad Header', 'X:Colon', 'X-Ümlaut', '', 'X(paren)'])('the invalid header name %j', (name) => {
      expect(rejectedFields({ url: URL_OK, headers: { [name]: 'x' } })).toEqual([`headers.${name}`]);
    });

    it('a header name too long', () => {
      const name = `X-${'n'.repeat(LIMITS.headerNameLength)}`;
      expect(rejectedFields({ url: URL_OK, headers: { [name]: 'x' } })).toEqual([`headers.${name}`]);
    });

    it('the same header name twice in different case', () => {
      expect(rejectedFields({ url: URL_OK, headers: { 'X-Trace': '1', 'x-trace': '2' } })).toEqual(['headers.x-trace']);
    });

    it('too many headers', () => {
      const headers = Object.fromEntries(Array.from({ length: LIMITS.headerCount + 1 }, (_, i) => [`X-H${i}`, 'v']));
      expect(rejectedFields({ url: URL_OK, headers })).toEqual(['headers']);
    });

    it('headers that are not an object', () => {
      expect(rejectedFields({ url: URL_OK, headers: ['X-A: 1'] })).toEqual(['headers']);
      expect(rejectedFields({ url: URL_OK, headers: 'X-A: 1' })).toEqual(['headers']);
    });

    it.each([0, 26, -1, 2.5, '3'])('maxAttempts %j', (maxAttempts) => {
      expect(rejectedFields({ url: URL_OK, maxAttempts })).toEqual(['maxAttempts']);
    });

    it.each([9, 60_001, 0, 1000.5, '5000'])('timeoutMs %j', (timeoutMs) => {
      expect(rejectedFields({ url: URL_OK, timeoutMs })).toEqual(['timeoutMs']);
    });

    it.each(['GET', 'get', 'HEAD'])('a body with %s', (method) => {
      expect(rejectedFields({ url: URL_OK, method, body: { a: 1 } })).toEqual(['body']);
      expect(rejectedFields({ url: URL_OK, method, body: '' })).toEqual(['body']);
    });

    it('a body that is not JSON', () => {
      expect(rejectedFields({ url: URL_OK, body: Number.NaN })).toEqual(['body']);
    });

    it('an idempotency key field that differs from the header', () => {
      expect(rejectedFields({ url: URL_OK, idempotencyKey: 'key-a' }, 'key-b')).toEqual(['idempotencyKey']);
    });

    it('an invalid idempotency key, in the field or the header', () => {
      expect(rejectedFields({ url: URL_OK, idempotencyKey: '' })).toEqual(['idempotencyKey']);
      expect(rejectedFields({ url: URL_OK, idempotencyKey: 'has space' })).toEqual(['idempotencyKey']);
      const tooLong = 'k'.repeat(LIMITS.idempotencyKeyLength + 1);
      expect(rejectedFields({ url: URL_OK, idempotencyKey: tooLong })).toEqual(['idempotencyKey']);
      expect(rejectedFields({ url: URL_OK }, '')).toEqual(['Idempotency-Key']);
      expect(rejectedFields({ url: URL_OK }, 'line\nbreak')).toEqual(['Idempotency-Key']);
    });

    it.each([
      ['', 'must not be empty; leave the header out to send without a key'],
      ['has space', 'must be visible ASCII characters: no spaces, control or non-ASCII characters'],
      ['ord\u00e9r', 'must be visible ASCII characters: no spaces, control or non-ASCII characters'],
      ['k'.repeat(LIMITS.idempotencyKeyLength + 1), `must be at most ${LIMITS.idempotencyKeyLength} characters`],
      ['key-a, key-b', 'must be visible ASCII characters: no spaces, control or non-ASCII characters'],
      ['key-a,key-b', 'must be one key without commas; was the header sent twice?'],
    ])('an Idempotency-Key header %j, saying what is wrong', (key, message) => {
      expect(() => parse({ url: URL_OK }, key)).toThrow(
        expect.objectContaining({ issues: [{ field: 'Idempotency-Key', message }] }),
      );
    });

    it('a comma in the idempotencyKey field is a key like any other', () => {
      expect(parse({ url: URL_OK, idempotencyKey: 'a,b' }).idempotencyKey).toBe('a,b');
    });

    it('a __proto__ key in metadata or headers, named rather than silently dropped', () => {
      const input = JSON.parse(`{"url":"${URL_OK}","metadata":{"__proto__":false},"headers":{"__proto__":"x"}}`);
      expect(rejectedFields(input)).toEqual(['headers.__proto__', 'metadata.__proto__']);
    });

    it('metadata that is not an object', () => {
      expect(rejectedFields({ url: URL_OK, metadata: ['a'] })).toEqual(['metadata']);
      expect(rejectedFields({ url: URL_OK, metadata: 'tenant-1' })).toEqual(['metadata']);
    });

    it.each([
      ['an array', [{ url: URL_OK }]],
      ['a string', JSON.stringify({ url: URL_OK })],
      ['a number', 42],
      ['null', null],
      ['undefined', undefined],
    ])('input that is %s, as the root', (_, input) => {
      expect(rejectedFields(input)).toEqual(['(root)']);
    });

    it('every bad field at once', () => {
      const fields = rejectedFields({
        url: 'ftp://x',
        method: 'BREW',
        headers: { Host: 'evil' },
        maxAttempts: 0,
        timeoutMs: 1,
        extra: true,
      });
      expect(fields.sort()).toEqual(['extra', 'headers.Host', 'maxAttempts', 'method', 'timeoutMs', 'url']);
    });
  });

  describe('sign', () => {
    const signing = { signingConfigured: true };
    const parseSigned = (input: unknown) => parseNotificationRequest(input, undefined, DEFAULTS, signing);
    /** The fields a rejected input names when a signing secret is configured. */
    const rejectedWithSigning = (input: unknown): string[] => {
      try {
        parseSigned(input);
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((issue) => issue.field);
      }
      throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
    };

    it('is false unless asked for, and true when asked for with a secret configured', () => {
      expect(parseSigned({ url: URL_OK }).sign).toBe(false);
      expect(parseSigned({ url: URL_OK, sign: false }).sign).toBe(false);
      expect(parseSigned({ url: URL_OK, sign: true }).sign).toBe(true);
    });

    it('is refused, naming sign, when no signing secret is configured', () => {
      expect(rejectedFields({ url: URL_OK, sign: true })).toEqual(['sign']);
      expect(parse({ url: URL_OK, sign: false }).sign).toBe(false);
    });

    it.each([['yes'], [1], [null], ['true']])('must be a boolean, not %j', (value) => {
      expect(rejectedWithSigning({ url: URL_OK, sign: value })).toEqual(['sign']);
    });

    it.each([['webhook-signature'], ['Webhook-Id'], ['WEBHOOK-TIMESTAMP'], ['webhook-anything']])(
      'refuses a caller header %s on a signed notification, naming it',
      (name) => {
        expect(rejectedWithSigning({ url: URL_OK, sign: true, headers: { [name]: 'x', 'X-Ok': 'y' } })).toEqual([
          `headers.${name}`,
        ]);
      },
    );

    it('refuses webhook-* headers on an unsigned notification too, naming each once', () => {
      expect(rejectedWithSigning({ url: URL_OK, headers: { 'webhook-signature': 'theirs' } })).toEqual([
        'headers.webhook-signature',
      ]);
      expect(rejectedWithSigning({ url: URL_OK, sign: true, headers: { 'Webhook-Id': 'mine' } })).toEqual([
        'headers.Webhook-Id',
      ]);
    });

    it('reports the missing secret and a reserved header together with the schema problems', () => {
      const fields = rejectedFields({ url: 'ftp://x', sign: true, headers: { 'webhook-id': 'mine' } });
      expect(fields.sort()).toEqual(['headers.webhook-id', 'sign', 'url']);
    });
  });
});

// --- Properties --------------------------------------------------------------------------------

const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const TOKEN_CHARS = "!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-".split('');
/** Token names under an `X-` prefix, so never a hop-by-hop header. */
const headerNameArb = fc
  .string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 20 })
  .map((s) => `X-${s}`);
const headersArb = fc
  .uniqueArray(fc.tuple(headerNameArb, printable(40)), {
    maxLength: 8,
    selector: ([name]) => name.toLowerCase(),
  })
  .map((entries) => Object.fromEntries(entries));
const urlArb = fc
  .tuple(
    fc.constantFrom('https://hooks.example.com', 'http://api.vendor.test:8080', 'https://[2001:db8::1]'),
    fc.constantFrom('/', '/hook', '/a/b/c', '/events?type=paid&v=2', '/x#frag'),
  )
  .map(([origin, path]) => origin + path);
const BODYLESS = new Set<string>(['GET', 'HEAD']);
const keyArb = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});

/** A valid request body for POST /v1/notifications; optional fields present or absent at random. */
const validInputArb = fc
  .record(
    {
      url: urlArb,
      headers: headersArb,
      body: fc.jsonValue({ maxDepth: 3 }),
      idempotencyKey: keyArb,
      orderingKey: fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
        .filter((key) => /^[^\p{C}\p{Zl}\p{Zp}]+$/u.test(key)),
      maxAttempts: fc.integer({ min: 1, max: LIMITS.maxAttempts }),
      timeoutMs: fc.integer({ min: LIMITS.minTimeoutMs, max: LIMITS.maxTimeoutMs }),
      // `__proto__` is the one reserved key (refused by name; see the test below).
      metadata: fc.dictionary(
        fc.string({ maxLength: 10 }).filter((key) => key !== '__proto__'),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 4 },
      ),
    },
    { requiredKeys: ['url'] },
  )
  .chain((input) =>
    fc
      .constantFrom(...METHODS.filter((m) => input.body === undefined || input.body === null || !BODYLESS.has(m)))
      .chain((method) => fc.option(fc.constantFrom(method, method.toLowerCase()), { nil: undefined }))
      .map((method): typeof input & { method?: string } => (method === undefined ? input : { ...input, method })),
  );

describe('orderingKey', () => {
  it.each([
    ['empty', ''],
    ['too long (257 characters)', 'k'.repeat(257)],
    ['a line feed', 'a\nb'],
    ['a NUL', 'a\u0000b'],
    ['a zero-width joiner (format character)', 'a\u200db'],
    ['a lone surrogate', 'a\ud800b'],
    ['a line separator', 'a\u2028b'],
    ['not a string', 42],
  ])('refuses %s, naming orderingKey', (_case, orderingKey) => {
    expect(rejectedFields({ url: URL_OK, orderingKey })).toEqual(['orderingKey']);
  });

  it('accepts 256 characters counted as code points, not UTF-16 units', () => {
    const key = '🔑'.repeat(256);
    expect(parse({ url: URL_OK, orderingKey: key }).orderingKey).toBe(key);
  });

  it('is part of the idempotency fingerprint', () => {
    const plain = parse({ url: URL_OK, idempotencyKey: 'k' });
    const ordered = parse({ url: URL_OK, idempotencyKey: 'k', orderingKey: 'a' });
    expect(fingerprintRequest(ordered)).not.toBe(fingerprintRequest(plain));
    expect(fingerprintRequest(parse({ url: URL_OK, idempotencyKey: 'k', orderingKey: 'b' }))).not.toBe(
      fingerprintRequest(ordered),
    );
  });
});

describe('parseNotificationRequest properties', () => {
  it('accepts any valid request and returns its fields, defaults filled in', () => {
    fc.assert(
      fc.property(validInputArb, (input) => {
        const parsed = parse(input);
        expect(parsed).toEqual({
          url: input.url,
          method: input.method?.toUpperCase() ?? 'POST',
          headers: input.headers ?? {},
          body: input.body ?? null,
          idempotencyKey: input.idempotencyKey ?? null,
          maxAttempts: input.maxAttempts ?? DEFAULTS.maxAttempts,
          timeoutMs: input.timeoutMs ?? DEFAULTS.timeoutMs,
          metadata: input.metadata ?? null,
          sign: false,
          orderingKey: input.orderingKey ?? null,
        });
      }),
    );
  });

  it('rejects any header value containing CR or LF, naming headers.<name>', () => {
    fc.assert(
      fc.property(
        headerNameArb,
        printable(20),
        fc.constantFrom('\r', '\n', '\r\n'),
        printable(20),
        (name, before, breaker, after) => {
          expect(rejectedFields({ url: URL_OK, headers: { [name]: before + breaker + after } })).toContain(
            `headers.${name}`,
          );
        },
      ),
    );
  });
});

/** The same JSON value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

const requestArb = validInputArb.map((input) => parse(input));

describe('fingerprintRequest', () => {
  it('ignores object key order and header-name case', () => {
    fc.assert(
      fc.property(requestArb, fc.boolean(), (request, upper) => {
        const reordered: NotificationRequest = {
          ...request,
          headers: Object.fromEntries(
            Object.entries(request.headers)
              .reverse()
              .map(([name, value]) => [upper ? name.toUpperCase() : name.toLowerCase(), value]),
          ),
          body: reverseKeys(request.body),
          metadata: reverseKeys(request.metadata) as NotificationRequest['metadata'],
        };
        expect(fingerprintRequest(reordered)).toBe(fingerprintRequest(request));
      }),
    );
  });

  it('changes when the url or the body changes', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const fingerprint = fingerprintRequest(request);
        expect(fingerprintRequest({ ...request, url: `${request.url}x` })).not.toBe(fingerprint);
        expect(fingerprintRequest({ ...request, body: [request.body] })).not.toBe(fingerprint);
      }),
    );
  });

  it('changes with the method, a header value or the attempt settings', () => {
    const request = parse({ url: URL_OK, headers: { 'X-A': '1' }, body: { a: 1 } });
    const fingerprint = fingerprintRequest(request);
    expect(fingerprintRequest({ ...request, method: 'PUT' })).not.toBe(fingerprint);
    expect(fingerprintRequest({ ...request, headers: { 'X-A': '2' } })).not.toBe(fingerprint);
    expect(fingerprintRequest({ ...request, maxAttempts: request.maxAttempts + 1 })).not.toBe(fingerprint);
    expect(fingerprintRequest({ ...request, timeoutMs: request.timeoutMs + 1 })).not.toBe(fingerprint);
  });

  it('changes with sign, and is what it was before sign existed for an unsigned request', () => {
    const input = { url: URL_OK, headers: { 'X-A': '1' }, body: { a: 1 }, metadata: { m: true } };
    const unsigned = parseNotificationRequest(input, 'key-1', DEFAULTS);
    const signed = parseNotificationRequest({ ...input, sign: true }, 'key-1', DEFAULTS, { signingConfigured: true });
    expect(fingerprintRequest(signed)).not.toBe(fingerprintRequest(unsigned));
    // Computed by the version before `sign`: stored fingerprints still tell replays from conflicts.
    expect(fingerprintRequest(unsigned)).toBe('laJcB64rgxVUHtE2JZfi8p_KLfPv-jZqCYXPsHLyYjk');
  });

  it('tells a string body from the same JSON value', () => {
    const asJson = parse({ url: URL_OK, body: { a: 1 } });
    const asString = parse({ url: URL_OK, body: '{"a":1}' });
    expect(fingerprintRequest(asJson)).not.toBe(fingerprintRequest(asString));
  });
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const ID_KEY = secretsSubkey(Buffer.alloc(32, 1), 'notification-id');

describe('notificationIdFor', () => {
  it('derives the same id from the same key', () => {
    expect(notificationIdFor('order-123', ID_KEY)).toBe(notificationIdFor('order-123', ID_KEY));
  });

  it('derives a version-8 UUID from a key', () => {
    const id = notificationIdFor('order-123', ID_KEY);
    expect(id).toMatch(UUID);
    expect(id[14]).toBe('8');
  });

  it('gives a time-ordered version-7 UUID without a key, unique within a millisecond', () => {
    const now = Date.UTC(2026, 10, 22, 12, 0, 0, 0);
    const ids = Array.from({ length: 100 }, () => notificationIdFor(null, ID_KEY, now));
    for (const id of ids) {
      expect(id).toMatch(UUID);
      expect(id[14]).toBe('7');
      expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(now);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts ids without a key by creation time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10 ** 9 }), (earlier, gap) => {
        const later = Math.min(2 ** 48 - 1, earlier + gap);
        expect(notificationIdFor(null, ID_KEY, earlier) < notificationIdFor(null, ID_KEY, later)).toBe(true);
      }),
    );
  });

  it('gives different keys different ids, all UUIDs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { minLength: 2, maxLength: 20 }), (keys) => {
        const ids = keys.map((key) => notificationIdFor(key, ID_KEY));
        for (const id of ids) expect(id).toMatch(UUID);
        expect(new Set(ids).size).toBe(keys.length);
        expect(keys.map((key) => notificationIdFor(key, ID_KEY))).toEqual(ids);
      }),
    );
  });

  it("scopes a key by caller: another caller's same key is another id, the same caller's the same", () => {
    const now = Date.now();
    expect(notificationIdFor('order-1', ID_KEY, now, 'billing')).not.toBe(
      notificationIdFor('order-1', ID_KEY, now, 'shipping'),
    );
    expect(notificationIdFor('order-1', ID_KEY, now, 'billing')).not.toBe(
      notificationIdFor('order-1', ID_KEY, now, 'default'),
    );
    expect(notificationIdFor('order-1', ID_KEY, now, 'billing')).toBe(
      notificationIdFor('order-1', ID_KEY, now + 5, 'billing'),
    );
    expect(notificationIdFor('order-1', ID_KEY, now, 'billing')).toMatch(UUID);
  });

  it('derives the ids of the caller "default" from the key alone', () => {
    expect(notificationIdFor('order-123', ID_KEY, Date.now(), 'default')).toBe(notificationIdFor('order-123', ID_KEY));
  });

  it('cannot be told from the key alone: two secrets keys give one key two ids, one gives it one', () => {
    const other = secretsSubkey(Buffer.alloc(32, 7), 'notification-id');
    expect(notificationIdFor('order-123', other)).not.toBe(notificationIdFor('order-123', ID_KEY));
    expect(notificationIdFor('order-123', other)).toBe(notificationIdFor('order-123', other));
    // Not the unkeyed digest anyone knowing the key could compute.
    const unkeyed = createHash('sha256').update('herald-idempotency:order-123').digest('hex');
    expect(notificationIdFor('order-123', ID_KEY).replaceAll('-', '').slice(0, 12)).not.toBe(unkeyed.slice(0, 12));
  });

  it('does not confuse keys that differ only in case or whitespace', () => {
    expect(notificationIdFor('Key', ID_KEY)).not.toBe(notificationIdFor('key', ID_KEY));
    expect(notificationIdFor('key', ID_KEY)).not.toBe(notificationIdFor('key ', ID_KEY));
  });
});

describe('credentials in the URL', () => {
  it('are refused, naming the url field', () => {
    try {
      parseNotificationRequest({ url: 'https://user:secret@vendor.example/hook' }, undefined, {
        maxAttempts: 8,
        timeoutMs: 10_000,
      });
      expect.unreachable('should have thrown');
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(['url']);
    }
  });
});

describe('the body', () => {
  it('is kept exactly, even a __proto__ key (it is the vendor’s payload)', () => {
    const input = JSON.parse(`{"url":"${URL_OK}","body":{"__proto__":1,"a":[{"__proto__":2}]}}`);
    expect(JSON.stringify(parse(input).body)).toBe('{"__proto__":1,"a":[{"__proto__":2}]}');
  });
});

describe('metadata values', () => {
  it('are kept exactly, even a nested __proto__ key (found by the property test above)', () => {
    const input = JSON.parse(`{"url":"${URL_OK}","metadata":{"":[{"__proto__":false}],"k":{"a":{"__proto__":1}}}}`);
    expect(JSON.stringify(parse(input).metadata)).toBe('{"":[{"__proto__":false}],"k":{"a":{"__proto__":1}}}');
  });
});
