import { defineConfig } from 'tsup';

// One entry per subpath in package.json "exports"; keep the two lists in step.
const entry = {
  index: 'src/index.ts',
  testing: 'src/testing/index.ts',
  'testing-openai': 'src/testing/openai.ts',
  'testing-anthropic': 'src/testing/anthropic.ts',
  openai: 'src/providers/openai.ts',
  anthropic: 'src/providers/anthropic.ts',
  'ai-sdk': 'src/providers/ai-sdk.ts',
  redis: 'src/redis/index.ts',
  otel: 'src/otel/index.ts',
  sse: 'src/sse/index.ts',
  dashboard: 'src/dashboard/index.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: false, // see docs/decisions/0008: no maps in the package
    target: 'node20',
    splitting: true,
    treeshake: true,
  },
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: false, // see docs/decisions/0008: no maps in the package
    target: 'node20',
    // Shared chunks in CommonJS too: every entry requires the one copy of the
    // core, so `instanceof` and module state hold across entry points.
    splitting: true,
    treeshake: true,
    // p-retry (and its one dependency) ship ESM only. Bundling them into the
    // CommonJS build lets `require('llm-resilience')` work on every Node 20
    // minor, including those without require(esm).
    noExternal: ['p-retry', 'is-network-error'],
  },
  {
    // The `llm-resilience` command (report over a JSON Lines event log).
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    sourcemap: false, // see docs/decisions/0008: no maps in the package
    target: 'node20',
    // No `banner` here: esbuild keeps the entry's own `#!` line, and a second one
    // is a syntax error on every Node.
  },
]);
