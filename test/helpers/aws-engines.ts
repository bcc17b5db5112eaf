/** The loopback AWS engines live in src (start:aws-local needs them too); tests import them from here. */
export {
  createHeraldQueues,
  createHeraldTable,
  LOCAL_REGION,
  type LocalEngine,
  localDynamoDbClient,
  localSqsClient,
  startDynalite,
  startFauxqs,
} from '../../src/entrypoints/local/engines.js';

/** A name unique enough for a per-test table or queue (both allow [A-Za-z0-9_-]). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
