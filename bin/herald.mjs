#!/usr/bin/env node
// The CLI is TypeScript run through tsx, as `npm run cli` runs it: nothing to build first.
import { register } from 'tsx/esm/api';

register();
await import('../src/entrypoints/cli/main.ts');
