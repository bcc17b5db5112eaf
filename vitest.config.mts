import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'infra/test/**/*.test.ts'],
    testTimeout: 30_000,
    // The AWS SDK warns once per process on Node 20 that its releases after January 2027 need Node 22
    // (README, "Requirements"): known, and noise in every test output. Child processes inherit it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
    // Two cores: the e2e and crash tests start child processes; more workers only thrash.
    maxWorkers: 2,
  },
});
