import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The package's own names ('llm-resilience', 'llm-resilience/testing', …), as
// examples import them, resolve to the source through tsconfig.json's paths.
const tsconfig = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as {
  compilerOptions: { paths: Record<string, [string]> };
};
const alias = Object.entries(tsconfig.compilerOptions.paths).map(([name, [path]]) => ({
  find: new RegExp(`^${name.replace('/', '\\/')}$`),
  replacement: new URL(path, import.meta.url).pathname,
}));

const integration = ['test/integration/**/*.test.ts'];
// The Redis suite needs a real server; .ci/run always provides one through REDIS_URL.
const redis = process.env.REDIS_URL ? [] : ['test/integration/redis/**'];

export default defineConfig({
  resolve: { alias },
  test: {
    // The testing recipes in examples/testing are runnable tests themselves.
    include: ['test/**/*.test.ts', 'examples/testing/**/*.test.ts', ...integration],
    exclude: ['node_modules/**', 'dist/**', ...redis],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
});
