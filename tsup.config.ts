import { defineConfig } from 'tsup';

// One entry per subpath in package.json "exports"; keep the two lists in step.
const entry = {
  index: 'src/index.ts',
  testing: 'src/testing/index.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    splitting: true,
    treeshake: true,
  },
  {
    entry,
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    treeshake: true,
    // p-retry (and its one dependency) ship ESM only. Bundling them into the
    // CommonJS build lets `require('llm-resilience')` work on every Node 20
    // minor, including those without require(esm).
    noExternal: ['p-retry', 'is-network-error'],
  },
]);
