import { describe, expect, it } from 'vitest';
import { BudgetManager } from '../../src/budget/manager.js';
import { isConfigError } from '../../src/errors/errors.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

function issues(options: unknown): { path: string; message: string }[] {
  try {
    new BudgetManager(options as never, { clock: createFakeClock() });
  } catch (error) {
    if (isConfigError(error)) return [...error.issues];
    throw error;
  }
  return [];
}

describe('budget options', () => {
  it.each([
    [{ day: { maxTokens: -1 } }, 'budget.day.maxTokens', 'expected a non-negative number of tokens, received -1'],
    [{ day: { maxCostUsd: '5' } }, 'budget.day.maxCostUsd', 'expected a non-negative number of USD, received "5"'],
    [{ task: { maxTokens: Number.NaN } }, 'budget.task.maxTokens', 'received NaN'],
    [{ currency: 'EUR', day: { maxCostUsd: 1 } }, 'budget.currency', "expected 'USD' (the only supported currency), received \"EUR\""],
    [{ thresholds: [0.5, 1.5] }, 'budget.thresholds.1', 'expected a threshold in (0, 1], received 1.5'],
    [{ thresholds: [0] }, 'budget.thresholds.0', 'expected a threshold in (0, 1], received 0'],
    [{ timeZone: 'Mars/Olympus' }, 'budget.timeZone', 'expected an IANA time zone'],
    [{ day: {} }, 'budget.day', 'expected maxTokens and/or maxCostUsd'],
    [{ day: { maxTokens: 1, action: 'stop' } }, 'budget.day.action', "expected 'reject', 'fallback' or 'warn-only'"],
    [{ window: { maxTokens: 1 } }, 'budget.window.windowMs', 'expected a positive number of milliseconds'],
    [{ prices: { m: { input: -1, output: 1 } } }, 'budget.prices.m.input', 'expected a non-negative price'],
    [{ store: {} }, 'budget.store', 'expected a budget store with get(), reserve(), settle() and release()'],
    [{ models: { 'gpt-4.1': { maxTokens: -3 } } }, 'budget.models.gpt-4.1.maxTokens', 'received -3'],
  ])('rejects %j at %s', (options, path, message) => {
    const found = issues(options);
    expect(found.map((i) => i.path)).toContain(path);
    expect(found.find((i) => i.path === path)!.message).toContain(message);
  });

  it('names unknown options without echoing their value', () => {
    const found = issues({ day: { maxTokens: 1 }, apiKey: 'sk-live-abcdefghijkl' });
    expect(found).toEqual([{ path: 'budget.apiKey', message: 'unknown option' }]);
  });

  it('accepts a full, valid configuration', () => {
    expect(
      issues({
        currency: 'USD',
        day: { maxCostUsd: 20, action: 'fallback' },
        task: { maxTokens: 100_000 },
        models: { 'claude-opus-4-5': { maxCostUsd: 5 } },
        window: { windowMs: 3_600_000, maxTokens: 1_000_000 },
        thresholds: [0.5, 0.9, 1],
        timeZone: 'Europe/Paris',
        prices: { 'my-model': { input: 1, output: 2 } },
        defaultOutputTokens: 1024,
        tokenizer: (t: string) => t.length,
      }),
    ).toEqual([]);
  });
});
