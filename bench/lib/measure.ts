/** Timing helpers for bench/run.ts. Bench code may read the real clock; library code may not. */

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}

export interface PerCall {
  /** Wall-clock ns per call. */
  readonly wall: number;
  /**
   * CPU ns per call (user + system, all threads of the process). On a shared
   * machine the process is descheduled at random; CPU time does not count
   * that, so it is the steadier of the two figures.
   */
  readonly cpu: number;
}

/** Nanoseconds per call of `n` sequential awaited calls. */
export async function nsPerCall(call: () => Promise<unknown>, n: number): Promise<PerCall> {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  const wall = Number(process.hrtime.bigint() - start) / n;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: ((cpu.user + cpu.system) * 1000) / n };
}

/** Calls per second of wall time and per second of CPU time, for `total` calls kept `concurrency` deep. */
export async function throughput(call: () => Promise<unknown>, total: number, concurrency: number): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      await call();
    }
  };
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = process.cpuUsage(cpu0);
  return { wall: total / (Number(process.hrtime.bigint() - start) / 1e9), cpu: total / ((cpu.user + cpu.system) / 1e6) };
}

export const fmtNs = (ns: number): string => (ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${Math.round(ns)} ns`);
export const fmtRate = (perS: number): string => `${Math.round(perS).toLocaleString('en-US')}/s`;
export const fmtBytes = (b: number): string => (Math.abs(b) >= 1024 ? `${(b / 1024).toFixed(2)} KB` : `${Math.round(b)} B`);
export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
