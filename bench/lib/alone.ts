import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stats, type Stats } from './measure.js';

const ALTERNATE = fileURLToPath(new URL('../alternate.ts', import.meta.url));

export interface AloneRun {
  /** Each process's figure, in round order, by subject id: CPU ns per call, or calls per CPU second (`throughput`). */
  readonly rounds: ReadonlyMap<string, readonly number[]>;
  /** The median of the rounds' ratios of `id` over `base` (each round's two processes ran back to back), min–max. */
  paired(id: string, base: string): Stats;
}

/**
 * Each subject alone in a fresh process, as a process running one
 * configuration runs it (decision records 0054, 0056): in one process holding
 * every subject, the code our configurations share is compiled for all of them
 * (deoptimised on "wrong map" as each new configuration's objects reach it), a
 * cost a real process does not pay. Each process is `bench/alternate.ts`'s
 * child on `bundle`: 40,000 warm-up calls, then, per round, a forced `gc()` and
 * 10,000 untimed calls before the timed ones — `cpu`: 5 rounds of 20,000
 * sequential calls, CPU ns per call; `throughput`: 3 rounds of 100,000 calls at
 * concurrency 100, calls per CPU second; the median of the rounds. The
 * subjects alternate, their order reversed every other round.
 */
export function measureAlone(bundle: string, ids: readonly string[], rounds: number, cwd: string, mode: 'cpu' | 'throughput' = 'cpu'): AloneRun {
  const samples = new Map<string, number[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of round % 2 ? [...ids].reverse() : ids) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', ALTERNATE, '--child', bundle, id, mode], { cwd, encoding: 'utf8' });
      samples.get(id)!.push(JSON.parse(out) as number);
    }
  }
  return {
    rounds: samples,
    paired: (id, base) => stats(samples.get(id)!.map((x, i) => x / samples.get(base)![i]!)),
  };
}
