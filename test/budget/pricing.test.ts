import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, PRICES_AS_OF, costOf, mergePrices, priceFor } from '../../src/budget/pricing.js';
import { BudgetManager } from '../../src/budget/manager.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { usage } from './helpers.js';

describe('pricing', () => {
  it('dates the default table', () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each([
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['openai/gpt-4o-mini', 'gpt-4o-mini'],
    ['anthropic:claude-haiku-4-5', 'claude-haiku-4-5'],
  ])('resolves %s to %s', (id, base) => {
    expect(priceFor(id, DEFAULT_PRICES)).toBe(DEFAULT_PRICES[base]);
  });

  it('never prices a model by a looser prefix', () => {
    expect(priceFor('gpt-4.1-pro', DEFAULT_PRICES)).toBeUndefined();
    expect(costOf('unknown-model', usage(1, 1))).toBeUndefined();
  });

  it('prices cache reads, cache writes and output separately', () => {
    const table = { m: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 } };
    const u = { inputTokens: 1_000_000, outputTokens: 100_000, cachedInputTokens: 600_000, cacheWriteTokens: 100_000, reasoningTokens: 0 };
    expect(costOf('m', u, table)).toBeCloseTo(300_000 * 3e-6 + 600_000 * 0.3e-6 + 100_000 * 3.75e-6 + 100_000 * 15e-6, 12);
    // Without cache prices, cached tokens cost the input price.
    expect(costOf('n', u, { n: { input: 1, output: 1 } })).toBeCloseTo(1.1, 12);
  });

  it('user prices extend and override the defaults, or replace them', () => {
    const merged = mergePrices({ 'gpt-4.1': { input: 1, output: 1 }, mine: { input: 9, output: 9 } });
    expect(merged['gpt-4.1']).toEqual({ input: 1, output: 1 });
    expect(merged.mine).toBeDefined();
    expect(merged['gpt-4o']).toBe(DEFAULT_PRICES['gpt-4o']);
    expect(Object.keys(mergePrices({ mine: { input: 1, output: 1 } }, true))).toEqual(['mine']);
    const budget = new BudgetManager({ day: { maxCostUsd: 1 }, prices: { mine: { input: 2, output: 4 } } }, { clock: createFakeClock() });
    expect(budget.cost('mine', usage(1_000_000, 1_000_000))).toBe(6);
  });

  it('answers from the table asked, whichever table and model were asked last', () => {
    const a = Object.freeze({ m: Object.freeze({ input: 1, output: 1 }) });
    const b = Object.freeze({ m: Object.freeze({ input: 2, output: 2 }), n: Object.freeze({ input: 3, output: 3 }) });
    expect(priceFor('m', a)).toBe(a.m);
    expect(priceFor('m', a)).toBe(a.m);
    expect(priceFor('m', b)).toBe(b.m);
    expect(priceFor('n', a)).toBeUndefined();
    expect(priceFor('n', b)).toBe(b.n);
    expect(priceFor('m', b)).toBe(b.m);
    expect(priceFor('m', a)).toBe(a.m);
    // A table that is not frozen is read every time: a change shows at once.
    const open: Record<string, { input: number; output: number }> = { m: { input: 5, output: 5 } };
    expect(priceFor('m', open)?.input).toBe(5);
    open.m = { input: 6, output: 6 };
    expect(priceFor('m', open)?.input).toBe(6);
    expect(priceFor('m', a)).toBe(a.m);
  });
});
