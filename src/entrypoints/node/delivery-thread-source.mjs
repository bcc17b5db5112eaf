// Runs delivery-thread.ts from the TypeScript sources (tests, `node --import tsx`): a worker thread
// does not inherit the main thread's loader, so it registers tsx itself. The build bundles the
// thread into dist/delivery-thread.mjs, which needs none of this.
import { register } from 'tsx/esm/api';

register();
await import('./delivery-thread.ts');
