import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stats, type Stats } from './measure.js';

const ALTERNATE = fileURLToPath(new URL('../alternate.ts', import.meta.url));

export interface AloneRun {
  /** CPU ns per call of each process, in round order, by subject id. */
  readonly rounds: ReadonlyMap<string, readonly number[]>;
  /** The median of the rounds' ratios of `id` over `base` (each round's two processes ran back to back), min–max. */
  paired(id: string, base: string): Stats;
}

/**
 * The per-call cost of each subject alone in a fresh process, as a process
 * running one configuration pays it (decision record 0054): in one process
 * holding every subject, the code our configurations share is compiled for
 * all of them (deoptimised on "wrong map" as each new configuration's objects
 * reach it), a cost a real process does not pay. Each process is
 * `bench/alternate.ts`'s child on `bundle` (40,000 warm-up calls, then 5 rounds
 * of a forced `gc()`, 10,000 untimed and 20,000 timed calls; the median of the
 * rounds); the subjects alternate, their order reversed every other round.
 */
export function measureAlone(bundle: string, ids: readonly string[], rounds: number, cwd: string): AloneRun {
  const samples = new Map<string, number[]>(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of round % 2 ? [...ids].reverse() : ids) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', ALTERNATE, '--child', bundle, id, 'cpu'], { cwd, encoding: 'utf8' });
      samples.get(id)!.push(JSON.parse(out) as number);
    }
  }
  return {
    rounds: samples,
    paired: (id, base) => stats(samples.get(id)!.map((ns, i) => ns / samples.get(base)![i]!)),
  };
}
