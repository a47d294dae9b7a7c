import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Two integration suites need something beyond Node and npm. Without it they are
// left out with one line saying why and how to run them, so `npm ci && npm test`
// passes on a machine with only Node and npm. CI (CI=true; .ci/run installs both)
// must run every suite: there a missing one fails the run instead.
const optional: { dir: string; missing?: string }[] = [];

const redisUrl = process.env.REDIS_URL;
optional.push({
  dir: 'test/integration/redis',
  ...(redisUrl ? {} : { missing: 'REDIS_URL is not set; start a redis-server and run REDIS_URL=redis://127.0.0.1:6379 npm test' }),
});

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};
const onPath = (names: string[]): string | undefined =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .flatMap((dir) => names.map((name) => join(dir, name)))
    .find(executable);
const chromiumEnv = process.env.CHROMIUM_PATH;
const chromium = chromiumEnv ? (executable(chromiumEnv) ? chromiumEnv : undefined) : onPath(['chromium', 'chromium-browser']);
optional.push({
  dir: 'test/integration/browser',
  ...(chromium
    ? {}
    : {
        missing: `${chromiumEnv ? `CHROMIUM_PATH=${chromiumEnv} is not an executable` : 'no chromium on PATH'}; install chromium (apt-get install chromium) or set CHROMIUM_PATH`,
      }),
});

// @mastra/core requires Node >= 22.13: on older Node its tests skip themselves
// (CI runs them on Node 22, 24 and 26). Said here so the skip is seen, not inferred.
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
if (nodeMajor < 22 || (nodeMajor === 22 && nodeMinor < 13)) {
  console.warn(`skipped the Mastra tests and example: @mastra/core requires Node >= 22.13, this is ${process.version}; run them with npx -p node@22 npx vitest run test/integration/frameworks/mastra.test.ts`);
}

const skipped = optional.filter((s) => s.missing);
const ci = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());
for (const s of skipped) console.warn(`${ci ? 'cannot run' : 'skipped'} ${s.dir}: ${s.missing}`);
if (ci && skipped.length) {
  console.error(`CI=true: every suite must run (.ci/run installs Redis and Chromium); failing instead of skipping ${skipped.length}`);
  process.exit(1);
}

// The package's own names ('llm-resilience', 'llm-resilience/testing', …), as
// examples import them, resolve to the source through tsconfig.json's paths.
const tsconfig = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as {
  compilerOptions: { paths: Record<string, [string]> };
};
const alias = Object.entries(tsconfig.compilerOptions.paths).map(([name, [path]]) => ({
  find: new RegExp(`^${name.replace('/', '\\/')}$`),
  replacement: new URL(path, import.meta.url).pathname,
}));


export default defineConfig({
  resolve: { alias },
  test: {
    // The testing recipes in examples/testing are runnable tests themselves.
    include: ['test/**/*.test.ts', 'examples/testing/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', ...skipped.map((s) => `${s.dir}/**`)],
    // The browser suite launches this binary (found above on PATH when CHROMIUM_PATH is unset).
    env: chromium ? { CHROMIUM_PATH: chromium } : {},
    setupFiles: ['test/setup.ts'],
    // A passing run reads cleanly: console output (measured figures, SDK chatter) is shown only for failing tests.
    silent: 'passed-only',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Type tests (*.test-d.ts) are compiled by `npm run typecheck` (tsconfig includes test/).
  },
});
