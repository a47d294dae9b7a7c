import { describe, expect, it } from 'vitest';
import { BudgetManager, budgetNow } from '../../src/budget/manager.js';
import { KeyExpiry } from '../../src/budget/expiry.js';
import { DayTracker } from '../../src/budget/period.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { recorder, usage } from './helpers.js';

// The client's pipeline reserves and settles directly on the in-memory store: its reservations carry
// their own hold (no map of open reservations), and a frozen estimate's amount is worked out once per model.

function setup(options: ConstructorParameters<typeof BudgetManager>[0]) {
  const clock = createFakeClock();
  const emitter = recorder();
  return { clock, emitter, budget: new BudgetManager(options, { clock, emitter }) };
}

const reserveNow = (budget: BudgetManager, model: string, estimate: { inputTokens: number; outputTokens: number }) => {
  const r = budgetNow.reserveNow(budget, model, undefined, estimate);
  if (!r?.ok) throw new Error(`expected ${model} to be reserved directly`);
  return r.reservation;
};

describe("the pipeline's reservations", () => {
  it('are open until settled or released, once, and show only their six fields', async () => {
    const { budget } = setup({ day: { maxTokens: 1_000 } });
    const a = reserveNow(budget, 'm', { inputTokens: 100, outputTokens: 0 });
    const b = reserveNow(budget, 'm', { inputTokens: 200, outputTokens: 0 });
    expect(budget.openReservations).toBe(2);
    expect(JSON.parse(JSON.stringify(a))).toEqual({ id: a.id, model: 'm', estimate: { inputTokens: 100, outputTokens: 0 }, tokens: 100, costUsd: 0 });
    expect(budgetNow.settleNow(budget, a, usage(40, 0))).toBe(true);
    expect(budget.openReservations).toBe(1);
    // A second settle, through either road, and a release after it change nothing.
    expect(budgetNow.settleNow(budget, a, usage(40, 0))).toBe(true);
    await budget.settle(a, usage(40, 0));
    await budget.release(a);
    expect(budget.openReservations).toBe(1);
    await budget.release(b);
    await budget.release(b);
    expect(budget.openReservations).toBe(0);
    const day = (await budget.snapshot()).scopes.find((s) => s.scope === 'day')!;
    expect(day).toMatchObject({ usedTokens: 40, reservedTokens: 0 });
  });

  it('are their own successful result, still showing only their six fields', () => {
    const { budget } = setup({ day: { maxTokens: 1_000 } });
    const r = budgetNow.reserveNow(budget, 'm', undefined, { inputTokens: 100, outputTokens: 0 })!;
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.reservation).toBe(r);
    expect(Object.keys({ ...r })).toEqual(['id', 'model', 'taskId', 'estimate', 'tokens', 'costUsd']);
  });

  it('price one frozen estimate per model, and read a mutable one again each time', () => {
    const { budget } = setup({ day: { maxCostUsd: 1_000 }, prices: { a: { input: 1, output: 1 }, b: { input: 2, output: 2 } } });
    const frozen = Object.freeze({ inputTokens: 1_000_000, outputTokens: 0 });
    expect([reserveNow(budget, 'a', frozen), reserveNow(budget, 'b', frozen), reserveNow(budget, 'a', frozen)].map((r) => r.costUsd)).toEqual([1, 2, 1]);
    const mutable = { inputTokens: 100, outputTokens: 0 };
    expect(reserveNow(budget, 'a', mutable).tokens).toBe(100);
    mutable.inputTokens = 300;
    expect(reserveNow(budget, 'a', mutable).tokens).toBe(300);
  });

  it('give the same events, totals and snapshot as reserve and settle over several models, one unpriced under a USD limit', async () => {
    const options = { day: { maxCostUsd: 1.2 }, prices: { a: { input: 1, output: 1 }, b: { input: 2, output: 2 } }, thresholds: [0.2, 0.6] };
    const direct = setup(options);
    const steps = setup(options);
    const estimate = Object.freeze({ inputTokens: 100_000, outputTokens: 50_000 });
    for (const [i, model] of ['a', 'b', 'a', 'x', 'x', 'a', 'b', 'x'].entries()) {
      const r = reserveNow(direct.budget, model, estimate);
      const s = await steps.budget.reserve({ model, estimate });
      if (!s.ok) throw s.error;
      expect({ ...r, estimate: { ...r.estimate } }).toEqual(s.reservation);
      budgetNow.settleNow(direct.budget, r, usage(90_000 + i, 40_000));
      await steps.budget.settle(s.reservation, usage(90_000 + i, 40_000));
    }
    expect(direct.emitter.events).toEqual(steps.emitter.events);
    expect(direct.emitter.of('budget:usage-warning').map((w) => [w.model, w.reason])).toEqual([['x', 'unpriced']]);
    expect(direct.emitter.of('budget:warning').length).toBeGreaterThan(0);
    expect(await direct.budget.snapshot()).toEqual(await steps.budget.snapshot());
  });
});

describe('key expiry', () => {
  it('tracks a key again when it is used after a sweep dropped it', () => {
    const window = { windowMs: 60_000, buckets: 6 };
    const expiry = new KeyExpiry(new DayTracker('UTC'), window, 3_600_000);
    const t0 = Date.UTC(2026, 0, 1, 12);
    const key = `window:${Math.floor(t0 / 10_000)}`;
    expiry.touch(key, t0);
    expiry.touch(key, t0 + 1); // the same key again: already tracked
    expect(expiry.size).toBe(1);
    const later = t0 + 120_000; // the bucket has left the window
    expect(expiry.due(later)).toEqual([key]);
    expect(expiry.size).toBe(0);
    // A call held in that bucket settles late: its key is tracked again, to be dropped at the next sweep.
    expiry.touch(key, later);
    expect(expiry.size).toBe(1);
    expect(expiry.due(later + 60_000)).toEqual([key]);
  });
});
