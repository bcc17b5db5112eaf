import type { AppDependencies } from './dependencies.js';
import type { SigningKeyInForce } from './destination-signing-keys.js';

/**
 * Operators' reads and rotations of a destination's signing keys. A destination need not have been
 * sent anything yet: an operator may give its receiver a key before the first notification.
 */

export async function getSigningKeys(deps: AppDependencies, destination: string): Promise<SigningKeyInForce[]> {
  return deps.signingKeys.inForce(destination);
}

export async function rotateSigningKey(
  deps: AppDependencies,
  destination: string,
): Promise<{ secret: string; createdAt: string }> {
  const made = await deps.signingKeys.rotate(destination);
  // Who rotated what and when, never the key.
  deps.logger.info({ destination, createdAt: made.createdAt }, 'made a new signing key for the destination');
  return made;
}
