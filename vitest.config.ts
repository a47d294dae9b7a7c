import { defineConfig } from 'vitest/config';

const integration = ['test/integration/**/*.test.ts'];
// The Redis suite needs a real server; .ci/run always provides one through REDIS_URL.
const redis = process.env.REDIS_URL ? [] : ['test/integration/redis/**'];

export default defineConfig({
  test: {
    // The testing recipes in examples/testing are runnable tests themselves.
    include: ['test/**/*.test.ts', 'examples/testing/**/*.test.ts', ...integration],
    exclude: ['node_modules/**', 'dist/**', ...redis],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
