/**
 * `npm run bench:alternate -- --before <git ref> [--rounds 3] [--subjects cockatiel,core-only,full] [--alloc] [--throughput]`
 *
 * The success path before and after a change, side by side: the library at
 * `<git ref>` and the working tree, each bundled as `npm run bench` bundles it,
 * and each subject run in its own process, alternating before / after, round
 * after round, the side that goes first swapped every round (a process run
 * right after another one's load on a shared machine is not measured on the
 * same side every time). In one process holding every subject the code the clients share
 * sees every configuration, and a noisy moment on a shared machine hits one
 * side only; separate alternating processes avoid both (decision records 0028,
 * 0035, 0040). Results never decide a test run.
 *
 * Per process: 40,000 warm-up calls and at least 1.5 s since the client was
 * built (the steady state), then 5 rounds of a forced `gc()`, 10,000 untimed
 * calls (the recompilation after a forced collection, decision 0023) and
 * 20,000 timed ones; CPU time per call, the median of the rounds.
 * `--alloc` adds bytes allocated per call (V8's sampling heap profiler, objects
 * collected by minor and major collections included); `--throughput` adds
 * calls per CPU second at concurrency 100.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { ResilientClientOptions } from '../src/index.js';
import { getGc } from './lib/gc.js';
import type { Library } from './lib/load.js';
import { stats } from './lib/measure.js';
import { type Subject, makeSubjects } from './lib/subjects.js';

const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const root = fileURLToPath(new URL('../', import.meta.url));

/** The core alone: retry, breaker and chain, monitor off, the rate-limit headers not followed, no listeners. */
function coreOnly(lib: Library): Subject {
  return {
    id: 'core-only',
    label: 'the core: monitor off, limits: { respectHeaders: false }, no listeners',
    make(fn) {
      const client = new lib.ResilientClient({ models: ['primary', 'secondary'], monitor: false, limits: { respectHeaders: false } } as ResilientClientOptions);
      return { call: () => client.run(fn), dispose: () => client.dispose() };
    },
  };
}

/** Warm-up lasts at least this long after the client is built (see {@link child}). */
const STEADY_AFTER_MS = 1_500;

async function child(bundle: string, id: string, mode: string): Promise<void> {
  const gc = getGc();
  const lib = (await import(pathToFileURL(bundle).href)) as Library;
  const subject = id === 'core-only' ? coreOnly(lib) : makeSubjects(lib).all.find((s) => s.id === id);
  if (!subject) throw new Error(`no subject ${id}`);
  const VALUE = { id: 'msg', usage: { input_tokens: 12, output_tokens: 34 } };
  const builtAt = performance.now();
  const made = subject.make(async () => VALUE);
  if ('na' in made) throw new Error(made.na);
  const call = made.call;
  const loop = async (n: number) => {
    for (let i = 0; i < n; i++) await call();
  };
  await loop(40_000);
  // The steady state: the monitor derives the attempts' deadline from their latencies at its first
  // refresh, about 1 s after the client is built, and every call after that runs the guarded attempt.
  // Ending the warm-up earlier measured the first second's path in most rounds (decision 0064).
  while (performance.now() - builtAt < STEADY_AFTER_MS) await loop(1_000);
  let result: number;
  if (mode === 'cpu') {
    const rounds: number[] = [];
    for (let k = 0; k < 5; k++) {
      gc();
      await loop(10_000);
      const c0 = process.cpuUsage();
      await loop(20_000);
      const c = process.cpuUsage(c0);
      rounds.push(((c.user + c.system) * 1000) / 20_000);
    }
    result = stats(rounds).median;
  } else if (mode === 'throughput') {
    const rounds: number[] = [];
    for (let k = 0; k < 3; k++) {
      gc();
      await loop(10_000);
      let next = 0;
      const worker = async () => {
        while (next < 100_000) {
          next++;
          await call();
        }
      };
      const c0 = process.cpuUsage();
      await Promise.all(Array.from({ length: 100 }, worker));
      const c = process.cpuUsage(c0);
      rounds.push(100_000 / ((c.user + c.system) / 1e6));
    }
    result = stats(rounds).median;
  } else {
    const session = new Session();
    session.connect();
    gc();
    await loop(10_000);
    await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await loop(20_000);
    const { profile } = await session.post('HeapProfiler.stopSampling');
    type Node = { selfSize: number; children: Node[] };
    const total = (n: Node): number => n.children.reduce((sum, c) => sum + total(c), n.selfSize);
    result = total(profile.head as Node) / 20_000;
  }
  made.dispose();
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

async function main(): Promise<void> {
  const before = arg('--before');
  if (!before) throw new Error('--before <git ref> is required (e.g. --before main)');
  const rounds = Number(arg('--rounds', '3'));
  const ids = arg('--subjects', 'cockatiel,core-only,ours-bare,core,monitor,full')!.split(',');
  const modes = ['cpu', ...(process.argv.includes('--alloc') ? ['alloc'] : []), ...(process.argv.includes('--throughput') ? ['throughput'] : [])];
  const dir = `${root}node_modules/.cache/llm-resilience-alternate`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/before`, { recursive: true });
  // The library at the ref, from git's object store: the working tree is left alone.
  execFileSync('sh', ['-c', `git archive ${JSON.stringify(before)} src | tar -x -C ${JSON.stringify(`${dir}/before`)}`], { cwd: root });
  const bundle = (entry: string, outfile: string) =>
    build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'error' });
  const sides = { before: `${dir}/before.mjs`, after: `${dir}/after.mjs` } as const;
  await Promise.all([bundle(`${dir}/before/src/index.ts`, sides.before), bundle(`${root}src/index.ts`, sides.after)]);
  const script = fileURLToPath(import.meta.url);
  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      for (const id of ids) {
        const order = Object.entries(sides);
        for (const [side, file] of round % 2 === 0 ? order : order.reverse()) {
          const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, '--child', file, id, mode], { cwd: root, encoding: 'utf8' });
          const key = `${mode}\t${id}\t${side}`;
          results.set(key, [...(results.get(key) ?? []), JSON.parse(out) as number]);
          console.error(`round ${round + 1} ${mode} ${id} ${side}: ${Math.round(JSON.parse(out) as number)}`);
        }
      }
    }
  }
  const unit = { cpu: 'ns per call', alloc: 'bytes per call', throughput: 'calls per CPU second' } as Record<string, string>;
  for (const mode of modes) {
    console.log(`\n## ${unit[mode]} (${rounds} alternating rounds; before = ${before})\n`);
    console.log('| subject | before (min–max) | after (min–max) | after / before (median of the pairs) |\n|---|---:|---:|---:|');
    for (const id of ids) {
      const b = results.get(`${mode}\t${id}\tbefore`)!;
      const a = results.get(`${mode}\t${id}\tafter`)!;
      const range = (s: number[]) => `${Math.round(Math.min(...s)).toLocaleString('en-US')}–${Math.round(Math.max(...s)).toLocaleString('en-US')}`;
      console.log(`| ${id} | ${range(b)} | ${range(a)} | ${stats(a.map((x, i) => x / b[i]!)).median.toFixed(2)} |`);
    }
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await main();
