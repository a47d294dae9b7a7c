import { defineConfig } from 'vitest/config';

const integration = ['test/integration/**/*.test.ts'];
// The Redis suite needs a real server; .ci/run always provides one through REDIS_URL.
const redis = process.env.REDIS_URL ? [] : ['test/integration/redis/**'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', ...integration],
    exclude: ['node_modules/**', 'dist/**', ...redis],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
