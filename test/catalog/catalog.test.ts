import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CATALOG, modelFacts, tierFor } from '../../src/catalog/catalog.js';
import { DEFAULT_PRICES, PRICES_AS_OF, costOf, priceFor } from '../../src/budget/pricing.js';
import { BudgetManager } from '../../src/budget/manager.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

describe('model catalog', () => {
  it('is generated from the installed catalog package (regenerate with npm run catalog:update)', () => {
    // Exits 1 when src/catalog/data.ts differs from what the installed devDependency produces.
    const out = execFileSync(process.execPath, ['scripts/update-catalog.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });

  it('dates itself and the default prices with the catalog publication date', () => {
    expect(CATALOG.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICES_AS_OF).toBe(CATALOG.asOf);
    expect(CATALOG.source).toMatch(/^@pydantic\/genai-prices@/);
  });

  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
    ['gpt-4.1', 'gpt-4.1'],
    ['anthropic:claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['openai/gpt-4o-mini', 'gpt-4o-mini'],
  ])('resolves %s to the one entry %s', (id, canonical) => {
    expect(modelFacts(id)?.id).toBe(canonical);
  });

  it('keeps sibling models apart (no looser prefix match)', () => {
    expect(modelFacts('gpt-4.1-mini')?.id).toBe('gpt-4.1-mini');
    expect(modelFacts('claude-opus-4-1-20250805')?.id).toBe('claude-opus-4-1');
    expect(modelFacts('gpt-4.1-pro')).toBeUndefined();
    expect(modelFacts('my-local-llama')).toBeUndefined();
  });

  it('covers current models of both providers with context windows and cache prices', () => {
    for (const id of ['claude-sonnet-4-6', 'claude-opus-4-5', 'claude-haiku-4-5', 'gpt-5.5', 'gpt-5', 'gpt-4.1', 'gpt-4o-mini']) {
      const f = modelFacts(id);
      expect(f, id).toBeDefined();
      expect(f!.contextWindow, id).toBeGreaterThan(0);
      expect(f!.price.cachedInput, id).toBeGreaterThan(0);
    }
    expect(modelFacts('claude-sonnet-4-6')!.provider).toBe('anthropic');
    expect(modelFacts('gpt-5.5')!.provider).toBe('openai');
    expect(modelFacts('claude-haiku-4-5')!.price.cacheWrite).toBe(1.25);
    expect(modelFacts('gpt-4.1')!.maxOutputTokens).toBe(32_768);
  });

  it('prices current models that the old hand-kept table missed', () => {
    expect(priceFor('claude-sonnet-4-6', DEFAULT_PRICES)).toBeDefined();
    expect(costOf('claude-sonnet-4-6', { inputTokens: 1_000_000, outputTokens: 0 })).toBe(3);
  });

  it('bills a request above a long-context tier at the tier prices, all of it', () => {
    const table = { m: { input: 3, output: 15, tiers: [{ aboveInputTokens: 200_000, input: 6, output: 22.5 }] } };
    expect(costOf('m', { inputTokens: 200_000, outputTokens: 1_000_000 }, table)).toBeCloseTo(0.6 + 15, 9);
    expect(costOf('m', { inputTokens: 200_001, outputTokens: 1_000_000 }, table)).toBeCloseTo(200_001 * 6e-6 + 22.5, 9);
    expect(tierFor(undefined, 1e9)).toBeUndefined();
  });

  it('user prices win over the catalog, also for dated ids of the overridden model', () => {
    const clock = createFakeClock();
    const budget = new BudgetManager({ day: { maxCostUsd: 100 }, prices: { 'claude-sonnet-4-5': { input: 1, output: 1 } } }, { clock });
    expect(budget.cost('claude-sonnet-4-5-20250929', { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 })).toBe(1);
  });

  it("states the catalog's date and your overrides in the budget snapshot", async () => {
    const clock = createFakeClock();
    const withCatalog = new BudgetManager({ day: { maxCostUsd: 1 }, prices: { mine: { input: 1, output: 1 } } }, { clock });
    expect((await withCatalog.snapshot()).prices).toEqual({ source: 'catalog', catalog: CATALOG.source, asOf: CATALOG.asOf, overrides: ['mine'] });
    const custom = new BudgetManager({ day: { maxCostUsd: 1 }, prices: { mine: { input: 1, output: 1 } }, replaceDefaultPrices: true }, { clock });
    expect((await custom.snapshot()).prices).toEqual({ source: 'custom', catalog: null, asOf: null, overrides: ['mine'] });
  });

  it('rejects a malformed tier with the option path', () => {
    expect(() => new BudgetManager({ day: { maxCostUsd: 1 }, prices: { m: { input: 1, output: 1, tiers: [{ aboveInputTokens: -1, input: 1, output: 1 }] } } }, { clock: createFakeClock() })).toThrow(/budget\.prices\.m\.tiers/);
  });
});
