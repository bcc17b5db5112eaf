import { describe, expect, it } from 'vitest';
import { getNotification, listAttempts } from '../../src/app/query-notifications.js';
import { retryNotification } from '../../src/app/retry-notification.js';
import { HeraldError } from '../../src/domain/errors.js';
import { notificationIdFor } from '../../src/domain/notification-id.js';
import { fakeDependencies } from '../helpers/fakes.js';

const NO_KEY = new Uint8Array(0);

describe('reading and retrying by id', () => {
  const untouchable = () => {
    const deps = fakeDependencies();
    const touched: string[] = [];
    for (const method of ['get', 'listAttempts', 'reopen'] as const) {
      deps.store[method] = async () => {
        touched.push(method);
        throw new Error(`store.${method} must not be called`);
      };
    }
    return { deps, touched };
  };

  it.each([
    ['a 3,000-character id', 'x'.repeat(3000)],
    ['an upper-case UUID', notificationIdFor(null, NO_KEY).toUpperCase()],
    ['a UUID with a suffix', `${notificationIdFor(null, NO_KEY)}/..`],
    ['an empty id', ''],
  ])('answers NOT_FOUND for %s without asking the store, and does not echo it', async (_name, id) => {
    const { deps, touched } = untouchable();
    for (const use of [getNotification, listAttempts, retryNotification]) {
      const error = await use(deps, id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HeraldError);
      expect(error).toMatchObject({
        code: 'NOT_FOUND',
        message: 'No notification has this id: notification ids are UUIDs',
      });
    }
    expect(touched).toEqual([]);
  });

  it('asks the store about any id Herald could have made, keyed or not', async () => {
    const { deps, touched } = untouchable();
    for (const id of [notificationIdFor(null, NO_KEY), notificationIdFor('order-1', new Uint8Array(32))]) {
      await expect(getNotification(deps, id)).rejects.toThrow('store.get must not be called');
    }
    expect(touched).toEqual(['get', 'get']);
  });
});
