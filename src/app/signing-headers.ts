import type { Notification } from '../domain/notification.js';
import { signatureHeaders } from '../domain/signature.js';
import type { AppDependencies } from './dependencies.js';

/**
 * The Standard Webhooks headers of one attempt: none for an unsigned notification. Signed with the
 * keys of the notification's destination only, so its receiver can verify but never forge what
 * another receiver gets. `body` is the encoded body as it goes on the wire (null: none, signed as the
 * empty string). The timestamp is taken after the keys are read, which may wait on a store or Secrets
 * Manager.
 */
export async function signingHeaders(
  deps: Pick<AppDependencies, 'signingKeys' | 'clock'>,
  notification: Notification,
  body: string | null,
): Promise<Record<string, string>> {
  if (!notification.sign) return {};
  const secrets = await deps.signingKeys.signingSecretsFor(notification.destination);
  return signatureHeaders({ id: notification.id, timestamp: deps.clock.now(), body: body ?? '' }, secrets);
}
