import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the Lambda code lives apart from the CDK app, in `src/`. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');

export type HandlerName = 'ingest' | 'worker' | 'sweeper';

export const handlerEntry = (name: HandlerName): string =>
  path.join(REPO_ROOT, 'src', 'entrypoints', 'lambda', `${name}.ts`);
