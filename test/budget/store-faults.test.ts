import { describe, expect, it } from 'vitest';
import { BudgetManager } from '../../src/budget/manager.js';
import { MemoryBudgetStore } from '../../src/budget/store.js';
import type { Amount, BudgetStore } from '../../src/budget/store.js';
import { createFakeClock } from '../../src/testing/index.js';
import { recorder, usage } from './helpers.js';

const ESTIMATE = { inputTokens: 100, outputTokens: 100 };

describe('store errors reach events redacted', () => {
  it('masks a connection URL password and an API key in budget:usage-warning.detail', async () => {
    const store = new MemoryBudgetStore();
    const failing: BudgetStore = {
      get: (k) => store.get(k),
      reserve: (k, a, l) => store.reserve(k, a, l),
      settle: async () => {
        throw new Error('connect failed: postgres://app:Hunter2Secret@db.internal:5432/budget (x-api-key: sk-live-AbCdEf123456)');
      },
      release: (k, a: Amount) => store.release(k, a),
    };
    const emitter = recorder();
    const budget = new BudgetManager({ day: { maxTokens: 1_000 }, store: failing }, { clock: createFakeClock(), emitter });
    const r = await budget.reserve({ model: 'm', estimate: ESTIMATE });
    if (!r.ok) throw r.error;
    await budget.settle(r.reservation, usage(10, 10));
    const w = emitter.of('budget:usage-warning');
    expect(w).toHaveLength(1);
    expect(w[0]!.reason).toBe('store');
    expect(w[0]!.detail).toContain('postgres://');
    expect(w[0]!.detail).not.toContain('Hunter2Secret');
    expect(w[0]!.detail).not.toContain('AbCdEf123456');
  });
});
