import { heapAfterGc } from './gc.js';
import type { Library } from './load.js';
import { realSleep } from './measure.js';
import { trackTimers } from './timers.js';

export interface ScaleResult {
  readonly models: number;
  /** Heap bytes per model, client configured only. */
  readonly heapConfigured: number;
  /** Heap bytes per model after one call per model (each model's breaker exists). */
  readonly heapAfterCalls: number;
  /**
   * Heap bytes per used model with breakers on and off (medians of rounds run
   * alternately): the difference is what a model's breaker holds before its first failure.
   */
  readonly breakerShare: { readonly on: number; readonly off: number };
  /** Heap bytes per model after one call per model that failed (counted by the breaker; `retry: false`). */
  readonly heapAfterFailure: number;
  readonly timersConfigured: number;
  readonly timersAfterCalls: number;
  /** CPU time over the idle window as a percentage of one core, client alive. */
  readonly idleCpuPercent: number;
  /** The same window after dispose(): the process's own background noise (GC, JIT, loader thread). */
  readonly baselineCpuPercent: number;
  readonly idleMs: number;
}

/**
 * One client on the system clock with `n` models: heap per model, live timers
 * (unref'd ones included) and CPU while idle. Model names are created before
 * the baseline: they are the caller's strings, not the client's cost.
 */
export async function measureScale(lib: Library, gc: () => void, n: number, idleMs: number): Promise<ScaleResult> {
  const names = Array.from({ length: n }, (_, i) => `model-${String(i).padStart(5, '0')}`);
  const fn = async () => 'ok';
  const timers = trackTimers();
  try {
    const base = heapAfterGc(gc);
    const client = new lib.ResilientClient({ models: names });
    const configured = heapAfterGc(gc);
    const timersConfigured = timers.live();
    for (const model of names) await client.run(fn, { models: [model] });
    const afterCalls = heapAfterGc(gc);
    const timersAfterCalls = timers.live();
    const idleCpuPercent = await idleCpu(gc, idleMs);
    client.dispose();
    const baselineCpuPercent = await idleCpu(gc, idleMs);
    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < SHARE_ROUNDS; round++) {
      off.push(await heapPerUsedModel(lib, gc, names, { breaker: false }, fn));
      on.push(await heapPerUsedModel(lib, gc, names, {}, fn));
    }
    const heapAfterFailure = await heapPerUsedModel(lib, gc, names, { retry: false }, () => Promise.reject(Object.assign(new Error('503'), { status: 503 })));
    return {
      models: n,
      heapConfigured: (configured - base) / n,
      heapAfterCalls: (afterCalls - base) / n,
      breakerShare: { on: median(on), off: median(off) },
      heapAfterFailure,
      timersConfigured,
      timersAfterCalls,
      idleCpuPercent,
      baselineCpuPercent,
      idleMs,
    };
  } finally {
    timers.restore();
  }
}

const SHARE_ROUNDS = 3;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Heap bytes per model of a client with `names` and `options`, after one call of `fn` per model (each settled, the client still alive). */
async function heapPerUsedModel(lib: Library, gc: () => void, names: readonly string[], options: object, fn: () => Promise<unknown>): Promise<number> {
  const base = heapAfterGc(gc);
  const client = new lib.ResilientClient({ models: names, ...options });
  for (const model of names) await client.run(fn, { models: [model] }).catch(() => {});
  const heap = heapAfterGc(gc);
  client.dispose();
  return (heap - base) / names.length;
}

/** CPU use over `ms` of doing nothing, after a GC and a short settle so earlier work does not spill in. */
async function idleCpu(gc: () => void, ms: number): Promise<number> {
  gc();
  await realSleep(Math.min(1_000, ms / 5));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await realSleep(ms);
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) / (Number(process.hrtime.bigint() - t0) / 1000)) * 100;
}
