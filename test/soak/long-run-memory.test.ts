import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Checkpoint {
  day: number;
  heapMB: number;
  storeKeys: number;
  extraModels: number;
}

/**
 * Several simulated days on the fake clock, in a child process with
 * `--expose-gc`: a new task id on every call and a new model name on every
 * other one, budgets on every scope, monitor and breakers on. Once the caps
 * are reached (a day in), the heap after GC must stop growing.
 */
describe('bounded memory over long simulated time', () => {
  it('keeps the heap, the budget store and per-model state bounded over ~5 days', () => {
    const child = fileURLToPath(new URL('../../bench/lib/memory-child.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, '6000', '70000'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 120_000,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { calls: number; failed: number; checkpoints: Checkpoint[]; openReservations: number };
    const last = r.checkpoints.at(-1)!;
    expect(last.day).toBeGreaterThan(4.5);
    expect(r.failed).toBe(0);
    expect(r.openReservations).toBe(0);
    // ~1 h of tasks (taskTtlMs) + 61 window buckets + a day or two, not 6,000 tasks.
    for (const c of r.checkpoints) expect(c.storeKeys).toBeLessThan(200);
    expect(last.extraModels).toBe(1_000);
    const warm = r.checkpoints.find((c) => c.day >= 1.5)!;
    // Without eviction: ~3,000 models × 11 KB and 6,000 task keys, tens of MB more.
    expect(last.heapMB - warm.heapMB, JSON.stringify(r.checkpoints)).toBeLessThan(2);
    expect(last.heapMB).toBeLessThan(40);
  }, 130_000);
});
