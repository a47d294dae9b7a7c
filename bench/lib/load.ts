import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export type Library = typeof import('../../src/index.js');

/**
 * The library as users run it: src/index.ts bundled by esbuild the way tsup
 * builds dist (ESM, node20, dependencies external), and imported as plain JS.
 *
 * Why not import src through tsx: tsx compiles with esbuild's `keepNames`,
 * which wraps every closure the hot path creates in `__name(fn, …)` — an
 * `Object.defineProperty` per closure per call. In a profile that was a third
 * of the client's time, a cost the published package does not have, while
 * cockatiel and opossum run as plain JS. `--tsx` measures the tsx way anyway.
 */
export async function loadLibrary(viaTsx: boolean): Promise<{ lib: Library; how: string }> {
  if (viaTsx) return { lib: await import('../../src/index.js'), how: 'src via tsx (keepNames: inflated)' };
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outdir = `${root}node_modules/.cache/llm-resilience-bench`;
  mkdirSync(outdir, { recursive: true });
  const outfile = `${outdir}/index.mjs`;
  await build({
    entryPoints: [`${root}src/index.ts`],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return { lib: (await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`)) as Library, how: 'src bundled by esbuild like dist (no keepNames)' };
}
