import { describe, expect, it } from 'vitest';
import { BudgetManager } from '../../src/budget/manager.js';
import { MemoryBudgetStore } from '../../src/budget/store.js';
import { createFakeClock } from '../../src/testing/index.js';
import { usage } from './helpers.js';

const HOUR = 3_600_000;

describe('the in-memory store keeps only live periods', () => {
  it('drops past days, buckets out of the window and tasks idle past taskTtlMs', async () => {
    const clock = createFakeClock();
    const store = new MemoryBudgetStore();
    const budget = new BudgetManager(
      { task: { maxTokens: 1_000 }, day: { maxTokens: 1e9 }, models: { m: { maxTokens: 1e9 } }, window: { windowMs: HOUR, maxTokens: 1e9 }, store, taskTtlMs: 2 * HOUR },
      { clock },
    );
    let peak = 0;
    // Four simulated days, a call a minute, a new task id every call.
    for (let i = 0; i < 4 * 24 * 60; i++) {
      const r = await budget.reserve({ model: 'm', taskId: `task-${i}`, estimate: { inputTokens: 10, outputTokens: 10 } });
      if (!r.ok) throw r.error;
      await budget.settle(r.reservation, usage(5, 5));
      peak = Math.max(peak, store.keys().length);
      await clock.advance(60_000);
    }
    // Live: ~2 h of tasks (120) + ~61 window buckets + 1-2 days + 1-2 model days, plus up to a minute of sweep lag.
    expect(peak).toBeLessThan(200);
    expect(store.keys().filter((k) => k.startsWith('day:')).length).toBeLessThanOrEqual(2);
    expect(budget.trackedKeys).toBe(store.keys().length);
  });

  it('keeps a task that is still calling, whatever its age', async () => {
    const clock = createFakeClock();
    const store = new MemoryBudgetStore();
    const budget = new BudgetManager({ task: { maxTokens: 1_000 }, store, taskTtlMs: HOUR }, { clock });
    for (let i = 0; i < 10; i++) {
      const r = await budget.reserve({ model: 'm', taskId: 'long', estimate: { inputTokens: 10, outputTokens: 10 } });
      if (!r.ok) throw r.error;
      await budget.settle(r.reservation, usage(10, 0));
      await clock.advance(HOUR / 2);
    }
    expect((await store.get('task:long')).used.tokens).toBe(100);
  });

  it('a key deleted and used again starts from zero', () => {
    const store = new MemoryBudgetStore();
    expect(store.tryReserveSync('day:x', { tokens: 10, costNanos: 0 })).toBe(true);
    store.settleSync('day:x', { tokens: 10, costNanos: 0 }, { tokens: 7, costNanos: 0 });
    store.delete('day:x');
    expect(store.getSync('day:x')).toEqual({ used: { tokens: 0, costNanos: 0 }, reserved: { tokens: 0, costNanos: 0 } });
    expect(store.tryReserveSync('day:x', { tokens: 5, costNanos: 0 }, { tokens: 5 })).toBe(true);
    expect(store.settleSyncView('day:x', { tokens: 5, costNanos: 0 }, { tokens: 2, costNanos: 0 })).toEqual({ used: { tokens: 2, costNanos: 0 }, reserved: { tokens: 0, costNanos: 0 } });
    expect(store.keys()).toEqual(['day:x']);
  });
});
