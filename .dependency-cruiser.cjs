/**
 * Imports point inward (STYLE.md): entry points → app → domain and ports; adapters → ports.
 * `npm run check:deps` fails on any arrow pointing the other way.
 */
const IO_PACKAGES =
  '^(node_modules/(better-sqlite3|@aws-sdk|@smithy|undici|hono|@hono|pino|@aws-lambda-powertools)/|(node:)?(fs|net|http|https|dns|child_process)$)';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds rules only: no ports, adapters, entry points or I/O packages.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { path: ['^src/(ports|adapters|app|entrypoints)', IO_PACKAGES] },
    },
    {
      name: 'app-knows-ports-not-adapters',
      comment: 'Use cases talk to ports; they never import an adapter, an entry point or an I/O package.',
      severity: 'error',
      from: { path: '^src/app' },
      to: { path: ['^src/(adapters|entrypoints)', IO_PACKAGES] },
    },
    {
      name: 'adapters-do-not-reach-out',
      comment: 'Adapters implement ports; they do not call use cases or entry points.',
      severity: 'error',
      from: { path: '^src/adapters' },
      to: { path: '^src/(app|entrypoints)' },
    },
    {
      name: 'console-is-an-api-client',
      comment:
        'The console (console/) talks to Herald only through its public HTTP API: it imports nothing of the server, and no package but preact.',
      severity: 'error',
      from: { path: '^console' },
      to: { path: '^(src|test|infra|bench|scripts)/|^node_modules/(?!preact/)', pathNot: '^console' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
