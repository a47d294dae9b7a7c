import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
