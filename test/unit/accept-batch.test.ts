import { describe, expect, it } from 'vitest';
import { acceptBatch, MAX_BATCH_SIZE } from '../../src/app/accept-batch.js';
import { acceptNotification } from '../../src/app/accept-notification.js';
import { ValidationError } from '../../src/domain/errors.js';
import { fakeDependencies } from '../helpers/fakes.js';

const URL = 'https://hooks.example.com/inbound';

describe('acceptBatch', () => {
  it('accepts each item on its own, in input order: created, replayed, invalid, conflicting', async () => {
    const deps = fakeDependencies();
    const earlier = await acceptNotification(deps, { url: URL, idempotencyKey: 'k-same', body: 'a' });
    await acceptNotification(deps, { url: URL, idempotencyKey: 'k-other', body: 'a' });

    const results = await acceptBatch(deps, {
      notifications: [
        { url: URL, body: 1 },
        { url: 'not a url' },
        { url: URL, idempotencyKey: 'k-same', body: 'a' },
        { url: URL, idempotencyKey: 'k-other', body: 'changed' },
        { url: URL, body: 2 },
      ],
    });

    expect(results.map((r) => (r.outcome === 'refused' ? r.error.code : r.outcome))).toEqual([
      'created',
      'VALIDATION_ERROR',
      'replayed',
      'IDEMPOTENCY_CONFLICT',
      'created',
    ]);
    const [first, , replayed, , last] = results;
    expect(first?.outcome !== 'refused' && first?.notification.body).toBe(1);
    expect(last?.outcome !== 'refused' && last?.notification.body).toBe(2);
    expect(replayed?.outcome !== 'refused' && replayed?.notification.id).toBe(earlier.notification.id);
    // Four stored in all: the two before, and the batch's two new ones.
    expect((await deps.store.list({ limit: 100 })).items).toHaveLength(4);
  });

  it('refuses a malformed envelope as a whole, naming the field', async () => {
    const deps = fakeDependencies();
    const tooMany = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => ({ url: URL }));
    for (const [input, field] of [
      [[{ url: URL }], '(body)'],
      [{}, 'notifications'],
      [{ notifications: [] }, 'notifications'],
      [{ notifications: tooMany }, 'notifications'],
      [{ notifications: [{ url: URL }], extra: true }, 'extra'],
    ] as const) {
      const refusal = await acceptBatch(deps, input).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ValidationError);
      expect((refusal as ValidationError).issues.map((i) => i.field)).toEqual([field]);
    }
    expect((await deps.store.list({ limit: 100 })).items).toEqual([]);
  });
});
