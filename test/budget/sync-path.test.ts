import { describe, expect, it } from 'vitest';
import { BudgetManager, budgetNow } from '../../src/budget/manager.js';
import { costOf, mergePrices, priceFor } from '../../src/budget/pricing.js';
import { MemoryBudgetStore } from '../../src/budget/store.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { recorder, usage } from './helpers.js';

const options = { day: { maxTokens: 1_000 }, models: { m: { maxTokens: 600, action: 'warn-only' as const } }, window: { windowMs: 60_000, maxTokens: 800, buckets: 6 }, thresholds: [0.5] };

// Without a window scope, a settle on the in-memory store is done directly (no generator); with one it runs the steps.
const { window: _window, ...noWindow } = options;

function setup(store?: MemoryBudgetStore, o: typeof noWindow = options) {
  const clock = createFakeClock();
  const emitter = recorder();
  const budget = new BudgetManager(store ? { ...o, store } : o, { clock, emitter });
  return { clock, emitter, budget };
}

class SlowStore extends MemoryBudgetStore {}

describe("the client's synchronous budget path (in-memory store)", () => {
  it('answers now only for the built-in in-memory store', () => {
    expect(budgetNow.answersNow(setup().budget)).toBe(true);
    // A subclass may override with real I/O: it goes through promises.
    const slow = setup(new SlowStore()).budget;
    expect(budgetNow.answersNow(slow)).toBe(false);
    expect(budgetNow.reserveNow(slow, 'm', undefined, { inputTokens: 1, outputTokens: 1 })).toBeUndefined();
  });

  it.each([
    ['with a window scope', options],
    ['without a window scope (settled directly)', noWindow],
    // One enforced scope: reserved directly too, and a refusal goes through the steps.
    ['one day scope (reserved and settled directly)', { day: { maxTokens: 1_000 }, thresholds: [0.5] }],
    ['one USD day scope (reserved and settled directly)', { day: { maxCostUsd: 1 }, prices: { m: { input: 2_000, output: 2_000 } }, thresholds: [0.5] }],
  ])('reserves, refuses and settles exactly as reserve/settle do: same events, same totals (%s)', async (_, o) => {
    const a = setup(undefined, o as typeof noWindow);
    const b = setup(undefined, o as typeof noWindow);
    const sizes = [200, 150, 300, 250, 100];
    for (const [i, tokens] of sizes.entries()) {
      const request = { model: 'm', estimate: { inputTokens: tokens, outputTokens: 0 } };
      const ra = await a.budget.reserve(request);
      const rb = budgetNow.reserveNow(b.budget, request.model, undefined, request.estimate)!;
      expect(rb.ok).toBe(ra.ok);
      if (ra.ok && rb.ok) {
        expect({ ...rb.reservation, estimate: { ...rb.reservation.estimate } }).toEqual(ra.reservation);
        await a.budget.settle(ra.reservation, usage(tokens - i, 3));
        expect(budgetNow.settleNow(b.budget, rb.reservation, usage(tokens - i, 3))).toBe(true);
      }
      await a.clock.advance(7_000);
      await b.clock.advance(7_000);
    }
    expect(b.emitter.events).toEqual(a.emitter.events);
    expect(a.emitter.of('budget:exceeded').length).toBeGreaterThan(0);
    expect(a.emitter.of('budget:warning').length).toBeGreaterThan(0);
    expect(await b.budget.snapshot()).toEqual(await a.budget.snapshot());
  });

  it.each([
    ['several thresholds, crossed one and several at a time', { day: { maxTokens: 1_300 }, thresholds: [0.75, 0.25, 1, 0.5] }, ['tokens@0.25', 'tokens@0.5', 'tokens@0.75']],
    ['tokens and USD, the USD limit reached first', { day: { maxTokens: 100_000, maxCostUsd: 4 }, prices: { m: { input: 2_000, output: 2_000 } }, thresholds: [0.2, 0.5] }, ['usd@0.2', 'usd@0.5']],
    ['tokens and USD, the token limit reached first', { day: { maxTokens: 2_000, maxCostUsd: 1_000 }, prices: { m: { input: 2_000, output: 2_000 } }, thresholds: [0.2, 0.5] }, ['tokens@0.2', 'tokens@0.5']],
    ['no thresholds', { day: { maxTokens: 1_300 }, thresholds: [] }, []],
  ])('a direct settle warns exactly as the steps do, crossing one threshold or several at a time (%s)', async (_, o, expected) => {
    const a = setup(undefined, o as typeof noWindow);
    const b = setup(undefined, o as typeof noWindow);
    // Settles of uneven sizes: some stay below the lowest mark, some jump over several marks at once.
    for (const tokens of [10, 40, 150, 20, 450, 5, 200, 250, 100, 60]) {
      const request = { model: 'm', estimate: { inputTokens: 1, outputTokens: 0 } };
      const ra = await a.budget.reserve(request);
      const rb = budgetNow.reserveNow(b.budget, request.model, undefined, request.estimate)!;
      if (!ra.ok || !rb.ok) throw new Error('expected both to reserve');
      await a.budget.settle(ra.reservation, usage(tokens, 0));
      expect(budgetNow.settleNow(b.budget, rb.reservation, usage(tokens, 0))).toBe(true);
      expect(b.emitter.events).toEqual(a.emitter.events);
    }
    const warned = a.emitter.of('budget:warning').map((w) => `${w.unit}@${w.threshold}`);
    expect(warned).toEqual(expected);
  });

  it('a direct reserve counts against the scope of its own day and task, not the last call\'s', async () => {
    // A frozen estimate, as the pipeline's: its tokens, amount and scopes are kept from one call to the next.
    const estimate = Object.freeze({ inputTokens: 300, outputTokens: 0 });
    const reserveAndSettle = (budget: BudgetManager, taskId?: string) => {
      const r = budgetNow.reserveNow(budget, 'm', taskId, estimate);
      if (r?.ok) budgetNow.settleNow(budget, r.reservation, usage(300, 0));
      return r?.ok === true;
    };
    const daily = setup(undefined, { day: { maxTokens: 1_000 }, thresholds: [0.5] } as typeof noWindow);
    expect([reserveAndSettle(daily.budget), reserveAndSettle(daily.budget), reserveAndSettle(daily.budget), reserveAndSettle(daily.budget)]).toEqual([true, true, true, false]);
    await daily.clock.advance(86_400_000);
    // The new day's first call sweeps the old day's key (through the steps); the next ones are direct again.
    expect([reserveAndSettle(daily.budget), reserveAndSettle(daily.budget)]).toEqual([true, true]);
    const day = (await daily.budget.snapshot()).scopes.find((sc) => sc.scope === 'day');
    expect(day?.key).toBe('day:2026-01-02');
    expect(day?.usedTokens).toBe(600);
    expect((daily.budget.store as MemoryBudgetStore).keys()).toEqual(['day:2026-01-02']);

    const perTask = setup(undefined, { task: { maxTokens: 700 }, thresholds: [0.5] } as unknown as typeof noWindow);
    expect([reserveAndSettle(perTask.budget, 'a'), reserveAndSettle(perTask.budget, 'b'), reserveAndSettle(perTask.budget, 'a'), reserveAndSettle(perTask.budget, 'a')]).toEqual([true, true, true, false]);
    const tasks = (await perTask.budget.snapshot({ taskIds: ['a', 'b'] })).scopes.filter((sc) => sc.scope === 'task');
    expect(tasks.map((t) => [t.taskId, t.usedTokens])).toEqual([['a', 600], ['b', 300]]);
    // Without a task scope, task ids share the day's.
    const shared = setup(undefined, { day: { maxTokens: 700 }, thresholds: [0.5] } as typeof noWindow);
    expect([reserveAndSettle(shared.budget, 'a'), reserveAndSettle(shared.budget, 'b'), reserveAndSettle(shared.budget, 'c')]).toEqual([true, true, false]);
  });

  it('a store that fails on settle gives the same warning either way, and the settle still happens once', async () => {
    const a = setup(new MemoryBudgetStore(), noWindow);
    const b = setup(new MemoryBudgetStore(), noWindow);
    const request = { model: 'm', estimate: { inputTokens: 100, outputTokens: 0 } };
    const ra = await a.budget.reserve(request);
    const rb = budgetNow.reserveNow(b.budget, request.model, undefined, request.estimate)!;
    if (!ra.ok || !rb.ok) throw new Error('expected both to reserve');
    // The store's settle fails, in either of its synchronous forms (the direct path reads its totals through a reused view).
    for (const store of [a.budget.store, b.budget.store] as MemoryBudgetStore[]) {
      store.settleSync = store.settleSyncView = () => {
        throw new Error('disk full');
      };
    }
    await a.budget.settle(ra.reservation, usage(90, 3));
    expect(budgetNow.settleNow(b.budget, rb.reservation, usage(90, 3), b.clock.now())).toBe(true);
    expect(b.emitter.events).toEqual(a.emitter.events);
    expect(b.emitter.of('budget:usage-warning').map((e) => e.reason)).toEqual(['store', 'store']);
    // Settled once: a second settle does nothing.
    expect(budgetNow.settleNow(b.budget, rb.reservation, usage(90, 3))).toBe(true);
    expect(b.emitter.events).toEqual(a.emitter.events);
    expect(b.budget.openReservations).toBe(0);
  });

  it('what reserve gives a caller stays frozen', async () => {
    const r = await setup().budget.reserve({ model: 'm', estimate: { inputTokens: 10, outputTokens: 5 } });
    expect(Object.isFrozen(r)).toBe(true);
    if (!r.ok) throw r.error;
    expect(Object.isFrozen(r.reservation)).toBe(true);
    expect(Object.isFrozen(r.reservation.estimate)).toBe(true);
  });
});

describe('priceFor memo', () => {
  it('answers for the table asked, whichever table was asked last', () => {
    const cheap = mergePrices({ m: { input: 1, output: 1 } });
    const dear = mergePrices({ m: { input: 10, output: 10 } });
    for (let i = 0; i < 3; i++) {
      expect(costOf('m', usage(1_000_000, 0), cheap)).toBe(1);
      expect(costOf('m', usage(1_000_000, 0), dear)).toBe(10);
      expect(priceFor('not-a-model', cheap)).toBeUndefined();
    }
  });
});
