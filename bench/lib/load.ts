import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export type Library = typeof import('../../src/index.js') & { readonly otel: typeof import('../../src/otel/index.js') };

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
export async function loadLibrary(viaTsx: boolean): Promise<{ lib: Library; how: string; file?: string }> {
  if (viaTsx) return { lib: { ...(await import('../../src/index.js')), otel: await import('../../src/otel/index.js') }, how: 'src via tsx (keepNames: inflated)' };
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const outdir = `${root}node_modules/.cache/llm-resilience-bench`;
  mkdirSync(outdir, { recursive: true });
  const outfile = `${outdir}/index.mjs`;
  const bundle = (entry: string, out: string) =>
    build({ entryPoints: [`${root}${entry}`], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'error' });
  const otelfile = `${outdir}/otel.mjs`;
  await Promise.all([bundle('src/index.ts', outfile), bundle('src/otel/index.ts', otelfile)]);
  const t = Date.now();
  const main = (await import(`${pathToFileURL(outfile).href}?t=${t}`)) as typeof import('../../src/index.js');
  const otel = (await import(`${pathToFileURL(otelfile).href}?t=${t}`)) as typeof import('../../src/otel/index.js');
  return { lib: { ...main, otel }, how: 'src bundled by esbuild like dist (no keepNames)', file: outfile };
}
