// The code blocks of the budget page's "Where prices come from" section, run.
import { modelFacts } from '../../src/index.js';
const facts = modelFacts('claude-sonnet-4-5-20250929');
// facts: { id: 'claude-sonnet-4-5', provider: 'anthropic', contextWindow: 200000, maxOutputTokens: 64000, price: { input: 3, output: 15, … } }

import { describe, expect, it } from 'vitest';
import { CATALOG, ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

describe('budget page: where prices come from', () => {
  it('modelFacts resolves a dated id to its catalog entry', () => {
    expect(facts).toMatchObject({ id: 'claude-sonnet-4-5', provider: 'anthropic', contextWindow: 200000, maxOutputTokens: 64000, price: { input: 3, output: 15 } });
  });

  it('the budget snapshot names the catalog, its date and your overrides', async () => {
    const client = new ResilientClient({
      models: ['my-model'],
      clock: createFakeClock(),
      budget: { day: { maxCostUsd: 5 }, prices: { 'my-model': { input: 1, output: 2 } } },
    });
    const snap = await client.budgetSnapshot();
    // snap.prices: { source: 'catalog', catalog: '@pydantic/genai-prices@0.1.8', asOf: '2026-09-23', overrides: ['my-model'] }
    expect(snap?.prices).toEqual({ source: 'catalog', catalog: CATALOG.source, asOf: CATALOG.asOf, overrides: ['my-model'] });
    expect(CATALOG.source).toBe('@pydantic/genai-prices@0.1.8');
    expect(CATALOG.asOf).toBe('2026-09-23');
    client.dispose();
  });
});
