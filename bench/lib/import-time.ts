import { execFileSync } from 'node:child_process';
import { stats, type Stats } from './measure.js';

/**
 * Cold start: how long `await import(specifier)` takes in a fresh Node process
 * (module loading and everything the package does at import). Each sample is a
 * new process, so nothing is cached in memory; the subjects alternate so that
 * a noisy moment on a shared machine hits them alike, their order reversed
 * every other round so that none always runs first.
 */
const CHILD = `
const cpu = process.cpuUsage();
const t = process.hrtime.bigint();
const m = await import(process.env.IMPORT_SPECIFIER);
// Awaited, so the code may be a first call; the CPU time counts everything the process did meanwhile.
if (process.env.IMPORT_THEN) await new (async () => {}).constructor('m', process.env.IMPORT_THEN)(m);
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wall: Number(process.hrtime.bigint() - t) / 1e6, cpu: (used.user + used.system) / 1000 }));
`;

export interface ImportTime {
  /** Milliseconds of CPU time (user + system) the import took: the steadier figure on a shared machine. */
  readonly cpu: Stats;
  /** Milliseconds of wall time. */
  readonly wall: Stats;
  /** The CPU milliseconds of each round, in round order (for ratios paired by round). */
  readonly rounds: readonly number[];
}

/**
 * The median (and range) of the rounds' ratios of `subject` over `base`: each
 * round's two processes ran within moments of each other, so a busy stretch of
 * a shared machine lands on one round's pair instead of on one side's median.
 */
export function pairedRatio(subject: ImportTime, base: ImportTime): Stats {
  return stats(subject.rounds.map((ms, i) => ms / base.rounds[i]!));
}

/**
 * A subject: the specifier to import, and optionally code run right after the
 * import with the module as `m` (e.g. building the first client, or making a
 * first call: it may `await`), timed with it.
 */
export type ImportSubject = string | { readonly specifier: string; readonly afterImport: string };

export function measureImports(specifiers: Readonly<Record<string, ImportSubject>>, rounds: number, cwd: string): Map<string, ImportTime> {
  const samples = new Map<string, { cpu: number[]; wall: number[] }>(Object.keys(specifiers).map((id) => [id, { cpu: [], wall: [] }]));
  const entries = Object.entries(specifiers);
  for (let round = -1; round < rounds; round++) {
    for (const [id, subject] of round % 2 ? [...entries].reverse() : entries) {
      const { specifier, afterImport } = typeof subject === 'string' ? { specifier: subject, afterImport: '' } : subject;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD], { cwd, env: { ...process.env, IMPORT_SPECIFIER: specifier, IMPORT_THEN: afterImport }, encoding: 'utf8' });
      const { cpu, wall } = JSON.parse(out) as { cpu: number; wall: number };
      // Round −1 warms the file system cache and is discarded.
      if (round < 0) continue;
      samples.get(id)!.cpu.push(cpu);
      samples.get(id)!.wall.push(wall);
    }
  }
  return new Map([...samples].map(([id, s]) => [id, { cpu: stats(s.cpu), wall: stats(s.wall), rounds: s.cpu }]));
}
