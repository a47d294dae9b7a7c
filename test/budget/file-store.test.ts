import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileBudgetStore } from '../../src/budget/file-store.js';
import { BudgetManager } from '../../src/budget/manager.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { usage } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llm-budget-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = { day: { maxTokens: 10_000, maxCostUsd: 5 }, task: { maxTokens: 5_000 } };

async function run(store: FileBudgetStore, tokens: number, taskId = 'job') {
  const budget = new BudgetManager({ ...options, store }, { clock: createFakeClock() });
  const r = await budget.reserve({ model: 'gpt-4.1', taskId, estimate: { inputTokens: tokens, outputTokens: 100 } });
  if (!r.ok) throw r.error;
  await budget.settle(r.reservation, usage(tokens, 50));
  return budget;
}

describe('FileBudgetStore', () => {
  it('day and task totals survive a restart', async () => {
    const path = join(dir, 'budget.jsonl');
    const s1 = await FileBudgetStore.open(path);
    await run(s1, 1_000);
    await run(s1, 2_000);
    const open = new BudgetManager({ ...options, store: s1 }, { clock: createFakeClock() });
    // A reservation held at crash time is not persisted: its call died with the process.
    await open.reserve({ model: 'gpt-4.1', taskId: 'job', estimate: { inputTokens: 999, outputTokens: 0 } });
    await s1.close();

    const s2 = await FileBudgetStore.open(path);
    const budget = new BudgetManager({ ...options, store: s2 }, { clock: createFakeClock() });
    const snap = await budget.snapshot({ taskIds: ['job'] });
    expect(snap.scopes.map((s) => [s.scope, s.usedTokens, s.reservedTokens])).toEqual([
      ['day', 3_100, 0],
      ['task', 3_100, 0],
    ]);
    expect(snap.scopes[0]!.costUsd).toBeCloseTo((3_000 * 2 + 100 * 8) / 1e6, 12);
    await s2.close();
  });

  it('a key the budget swept (a task idle past taskTtlMs) stays swept after a restart', async () => {
    const path = join(dir, 'budget.jsonl');
    const clock = createFakeClock();
    const s1 = await FileBudgetStore.open(path, { compactEvery: 0 });
    const budget = new BudgetManager({ ...options, store: s1, taskTtlMs: 60_000 }, { clock });
    const first = await budget.reserve({ model: 'gpt-4.1', taskId: 'job', estimate: { inputTokens: 4_500, outputTokens: 100 } });
    if (!first.ok) throw first.error;
    await budget.settle(first.reservation, usage(4_500, 50));
    await clock.advance(120_000);
    // The next call (of another task) sweeps the idle one.
    const other = await budget.reserve({ model: 'gpt-4.1', taskId: 'other', estimate: { inputTokens: 10, outputTokens: 10 } });
    if (!other.ok) throw other.error;
    await budget.release(other.reservation);
    expect(s1.keys()).not.toContain('task:job');
    await s1.close();

    const s2 = await FileBudgetStore.open(path, { compactEvery: 0 });
    expect((await s2.get('task:job')).used).toEqual({ tokens: 0, costNanos: 0 });
    expect((await s2.get(s2.keys().find((k) => k.startsWith('day:'))!)).used.tokens).toBe(4_550); // the day keeps its total
    const again = await new BudgetManager({ ...options, store: s2, taskTtlMs: 60_000 }, { clock }).reserve({ model: 'gpt-4.1', taskId: 'job', estimate: { inputTokens: 1_000, outputTokens: 100 } });
    expect(again.ok).toBe(true);
    await s2.close();
  });

  it('a torn last line (crash mid-write) loses only that record and is cut before new appends', async () => {
    const path = join(dir, 'budget.jsonl');
    const s1 = await FileBudgetStore.open(path);
    await run(s1, 1_000);
    await s1.close();
    await appendFile(path, '{"k":"day:2026-01-01","t":77'); // the crash

    const s2 = await FileBudgetStore.open(path);
    expect(s2.skippedLines).toBe(1);
    expect((await s2.get('day:2026-01-01')).used.tokens).toBe(1_050);
    await run(s2, 500);
    await s2.close();

    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    const s3 = await FileBudgetStore.open(path);
    expect(s3.skippedLines).toBe(0);
    expect((await s3.get('day:2026-01-01')).used.tokens).toBe(1_600);
    await s3.close();
  });

  it('skips corrupt lines without losing the ones around them', async () => {
    const path = join(dir, 'budget.jsonl');
    await writeFile(path, ['{"k":"task:a","t":10,"c":0}', 'garbage', '{"k":"task:a","t":-5,"c":0}', '{"k":"task:a","t":20,"c":3}', ''].join('\n'));
    const s = await FileBudgetStore.open(path);
    expect(s.skippedLines).toBe(2);
    expect(await s.get('task:a')).toEqual({ used: { tokens: 30, costNanos: 3 }, reserved: { tokens: 0, costNanos: 0 } });
    await s.close();
  });

  it('starts empty when the file does not exist, and reports writes after close as store warnings', async () => {
    const s = await FileBudgetStore.open(join(dir, 'new.jsonl'));
    expect(await s.get('day:2026-01-01')).toEqual({ used: { tokens: 0, costNanos: 0 }, reserved: { tokens: 0, costNanos: 0 } });
    await s.close();
    const warnings: string[] = [];
    const budget = new BudgetManager(
      { ...options, store: s },
      { clock: createFakeClock(), emitter: { wants: () => true, emit: (name, p) => name === 'budget:usage-warning' && warnings.push(`${(p as { reason: string }).reason}`) } },
    );
    const r = await budget.reserve({ model: 'gpt-4.1', estimate: { inputTokens: 1, outputTokens: 1 } });
    if (!r.ok) throw r.error;
    await expect(budget.settle(r.reservation, usage(1, 1))).resolves.toBeUndefined();
    expect(warnings).toContain('store');
  });
});

describe('FileBudgetStore compaction and large logs', () => {
  const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).length;

  it('rewrites the log every compactEvery records, keeping totals exact across a restart', async () => {
    const path = join(dir, 'budget.jsonl');
    const s1 = await FileBudgetStore.open(path, { compactEvery: 50 });
    const budget = new BudgetManager({ ...options, day: { maxTokens: 1e9 }, task: { maxTokens: 1e9 }, store: s1 }, { clock: createFakeClock() });
    // Settles in flight together, so compactions interleave with queued appends.
    const calls = Array.from({ length: 400 }, async (_, i) => {
      const r = await budget.reserve({ model: 'gpt-4.1', taskId: `t${i % 3}`, estimate: { inputTokens: 10, outputTokens: 10 } });
      if (!r.ok) throw r.error;
      await budget.settle(r.reservation, usage(7, 3));
    });
    await Promise.all(calls);
    await s1.close();
    expect(s1.compactions).toBeGreaterThanOrEqual(7);
    expect(await lines(path)).toBeLessThan(4 + 2 * 50 + 1); // live keys + at most one period of appends (two scopes each)
    const s2 = await FileBudgetStore.open(path);
    expect((await s2.get('day:2026-01-01')).used.tokens).toBe(4_000);
    expect((await s2.get('task:t0')).used.tokens + (await s2.get('task:t1')).used.tokens + (await s2.get('task:t2')).used.tokens).toBe(4_000);
    await s2.close();
  });

  it('compacts on open a log longer than compactEvery, and leaves out keys the budget dropped', async () => {
    const path = join(dir, 'budget.jsonl');
    const rec = (k: string) => `${JSON.stringify({ k, t: 1, c: 0 })}\n`;
    await writeFile(path, rec('day:2025-12-31').repeat(500) + rec('day:2026-01-01').repeat(500));
    const s = await FileBudgetStore.open(path, { compactEvery: 100 });
    expect(await lines(path)).toBe(2);
    // A manager on this store expires the past day it finds there.
    const budget = new BudgetManager({ ...options, store: s }, { clock: createFakeClock() });
    await budget.reserve({ model: 'gpt-4.1', estimate: { inputTokens: 1, outputTokens: 0 } });
    expect(s.keys()).not.toContain('day:2025-12-31');
    await s.compact();
    expect((await readFile(path, 'utf8')).trim()).toBe(JSON.stringify({ k: 'day:2026-01-01', t: 500, c: 0 }));
    await s.close();
  });

  it('a compaction that crashed before its rename leaves the log in charge', async () => {
    const path = join(dir, 'budget.jsonl');
    await writeFile(path, `${JSON.stringify({ k: 'day:2026-01-01', t: 5, c: 0 })}\n`);
    await writeFile(`${path}.compact`, `${JSON.stringify({ k: 'day:2026-01-01', t: 999, c: 0 })}\n{"k":"day:20`); // half-written
    const s = await FileBudgetStore.open(path);
    expect((await s.get('day:2026-01-01')).used.tokens).toBe(5);
    await s.close();
    await expect(readFile(`${path}.compact`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads the log in chunks: a line of garbage larger than any record is skipped, the records around it kept', async () => {
    const path = join(dir, 'budget.jsonl');
    const rec = `${JSON.stringify({ k: 'day:2026-01-01', t: 2, c: 0 })}\n`;
    await writeFile(path, `${rec}${'x'.repeat(3 << 20)}\n${rec}${'y'.repeat(2 << 20)}`); // ends in a torn garbage tail
    const s = await FileBudgetStore.open(path, { compactEvery: 0 });
    expect((await s.get('day:2026-01-01')).used.tokens).toBe(4);
    expect(s.skippedLines).toBe(2);
    await s.close();
    expect(await readFile(path, 'utf8')).toBe(`${rec}${'x'.repeat(3 << 20)}\n${rec}`); // the torn tail was cut
  });

  it('opens a log far larger than its heap allows as one string', () => {
    // 40 MB of records under a 24 MB old-space limit: reading it whole would run out of memory.
    const out = execFileSync(
      process.execPath,
      [
        '--max-old-space-size=24',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `
        import { writeFileSync } from 'node:fs';
        import { FileBudgetStore } from './src/budget/file-store.ts';
        const path = ${JSON.stringify(join(dir, 'big.jsonl'))};
        const rec = JSON.stringify({ k: 'day:2026-01-01', t: 1, c: 3 }) + '\\n';
        const block = rec.repeat(10_000);
        writeFileSync(path, '');
        for (let i = 0; i < 100; i++) writeFileSync(path, block, { flag: 'a' });
        const s = await FileBudgetStore.open(path);
        const t = await s.get('day:2026-01-01');
        await s.close();
        console.log(t.used.tokens, s.compactions);
      `,
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    expect(out.trim()).toBe('1000000 1');
  });
});
