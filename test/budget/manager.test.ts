import { describe, expect, it } from 'vitest';
import { isBudgetExceededError } from '../../src/budget/errors.js';
import { BudgetManager } from '../../src/budget/manager.js';
import { isResilienceError } from '../../src/errors/errors.js';
import { classifyError } from '../../src/classify/classify.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { recorder, usage } from './helpers.js';

const est = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });

function setup(options: ConstructorParameters<typeof BudgetManager>[0]) {
  const clock = createFakeClock();
  const emitter = recorder();
  const budget = new BudgetManager(options, { clock, emitter });
  return { clock, emitter, budget };
}

async function spend(budget: BudgetManager, model: string, tokens: number, taskId?: string) {
  const r = await budget.reserve({ model, taskId, estimate: est(tokens, 0) });
  if (!r.ok) throw r.error;
  await budget.settle(r.reservation, usage(tokens, 0));
}

describe('BudgetManager', () => {
  it('fires budget:warning exactly once when a scope crosses 90%, not once per call after', async () => {
    const { budget, emitter } = setup({ day: { maxTokens: 1_000 } });
    await spend(budget, 'gpt-4.1', 800);
    expect(emitter.of('budget:warning')).toHaveLength(0);
    await spend(budget, 'gpt-4.1', 100); // 900: crosses 90%
    await spend(budget, 'gpt-4.1', 20);
    await spend(budget, 'gpt-4.1', 20);
    const warnings = emitter.of('budget:warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ scope: 'day', unit: 'tokens', threshold: 0.9, limit: 1_000, used: 900, key: 'day:2026-01-01' });
  });

  it('fires each configured threshold once, even when one settle crosses several', async () => {
    const { budget, emitter } = setup({ task: { maxTokens: 100 }, thresholds: [0.5, 0.8, 1] });
    await spend(budget, 'm', 85, 't1');
    await spend(budget, 'm', 15, 't1');
    expect(emitter.of('budget:warning').map((w) => w.threshold)).toEqual([0.5, 0.8, 1]);
    expect(emitter.of('budget:warning').every((w) => w.taskId === 't1' && w.scope === 'task')).toBe(true);
  });

  it('reject: refuses with a typed, branded BudgetExceededError and emits budget:exceeded', async () => {
    const { budget, emitter } = setup({ day: { maxTokens: 1_000, action: 'reject' } });
    await spend(budget, 'gpt-4.1', 950);
    const r = await budget.reserve({ model: 'gpt-4.1', estimate: est(30, 40) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r).toMatchObject({ action: 'reject', scope: 'day', unit: 'tokens', limit: 1_000, used: 950, reserved: 0, requested: 70 });
    expect(isBudgetExceededError(r.error)).toBe(true);
    expect(isResilienceError(r.error)).toBe(true);
    expect(r.error.code).toBe('BUDGET_EXCEEDED');
    expect(classifyError(r.error).kind).toBe('budget');
    expect(r.error.message).toContain('day limit 1000 tokens');
    expect(emitter.of('budget:exceeded')).toEqual([expect.objectContaining({ scope: 'day', action: 'reject', used: 950, requested: 70, model: 'gpt-4.1' })]);
    expect(budget.openReservations).toBe(0);
  });

  it('fallback: refuses the expensive model, and a cheaper one still fits a USD budget', async () => {
    const { budget } = setup({ day: { maxCostUsd: 0.01, action: 'fallback' } });
    // 1,000 output tokens: $0.025 on claude-opus-4-5, $0.0004 on gpt-4.1-nano.
    const opus = await budget.reserve({ model: 'claude-opus-4-5', estimate: est(0, 1_000) });
    expect(opus).toMatchObject({ ok: false, action: 'fallback', unit: 'usd', limit: 0.01, requested: 0.025 });
    const nano = await budget.reserve({ model: 'gpt-4.1-nano', estimate: est(0, 1_000) });
    expect(nano.ok).toBe(true);
  });

  it('warn-only: never refuses, but emits budget:exceeded with the hold counted once', async () => {
    const { budget, emitter } = setup({ day: { maxTokens: 100, action: 'warn-only' } });
    await spend(budget, 'm', 90);
    const r = await budget.reserve({ model: 'm', estimate: est(20, 0) });
    expect(r.ok).toBe(true);
    expect(emitter.of('budget:exceeded')).toEqual([expect.objectContaining({ action: 'warn-only', used: 90, reserved: 0, requested: 20, limit: 100 })]);
  });

  it('a refused scope holds nothing in the scopes checked before it', async () => {
    const { budget } = setup({ task: { maxTokens: 10_000 }, day: { maxTokens: 100 } });
    const r = await budget.reserve({ model: 'm', taskId: 't', estimate: est(200, 0) });
    expect(r).toMatchObject({ ok: false, scope: 'day' });
    const snap = await budget.snapshot();
    expect(snap.scopes.find((s) => s.scope === 'task')).toMatchObject({ reservedTokens: 0, usedTokens: 0 });
  });

  it('release gives the hold back (failed or aborted call)', async () => {
    const { budget } = setup({ day: { maxTokens: 1_000 } });
    const a = await budget.reserve({ model: 'm', estimate: est(600, 0) });
    expect(a.ok).toBe(true);
    expect((await budget.reserve({ model: 'm', estimate: est(600, 0) })).ok).toBe(false);
    if (a.ok) await budget.release(a.reservation);
    const b = await budget.reserve({ model: 'm', estimate: est(600, 0) });
    expect(b.ok).toBe(true);
    if (a.ok) await budget.release(a.reservation); // twice: no effect
    expect((await budget.snapshot()).scopes[0]).toMatchObject({ reservedTokens: 600, usedTokens: 0, remainingTokens: 400 });
  });

  it('settles the real usage and frees the rest of the hold; cost follows the price table', async () => {
    const { budget, emitter } = setup({ day: { maxTokens: 10_000, maxCostUsd: 1 } });
    const r = await budget.reserve({ model: 'gpt-4.1', estimate: est(1_000, 4_000) });
    if (!r.ok) throw r.error;
    expect(r.reservation.tokens).toBe(5_000);
    await budget.settle(r.reservation, usage(1_000, 500));
    const day = (await budget.snapshot()).scopes[0]!;
    expect(day).toMatchObject({ usedTokens: 1_500, reservedTokens: 0, remainingTokens: 8_500, reservedUsd: 0 });
    expect(day.costUsd).toBeCloseTo((1_000 * 2 + 500 * 8) / 1e6, 12);
    expect(emitter.of('budget:usage')).toEqual([expect.objectContaining({ model: 'gpt-4.1', inputTokens: 1_000, outputTokens: 500, estimated: false })]);
  });

  it('missing usage: settles the estimate and emits a usage warning', async () => {
    const { budget, emitter } = setup({ day: { maxTokens: 10_000 } });
    const r = await budget.reserve({ model: 'm', estimate: est(100, 50) });
    if (!r.ok) throw r.error;
    await budget.settle(r.reservation, undefined);
    expect((await budget.snapshot()).scopes[0]).toMatchObject({ usedTokens: 150, reservedTokens: 0 });
    expect(emitter.of('budget:usage-warning')).toEqual([expect.objectContaining({ reason: 'missing', model: 'm' })]);
    expect(emitter.of('budget:usage')[0]).toMatchObject({ estimated: true });
  });

  it('invalid usage is not added: the estimate is settled and the bad field reported', async () => {
    const { budget, emitter } = setup({ day: { maxTokens: 10_000 } });
    const r = await budget.reserve({ model: 'm', estimate: est(100, 50) });
    if (!r.ok) throw r.error;
    await budget.settle(r.reservation, { ...usage(0, 0), invalid: 'prompt_tokens' });
    expect((await budget.snapshot()).scopes[0]).toMatchObject({ usedTokens: 150 });
    expect(emitter.of('budget:usage-warning')).toEqual([expect.objectContaining({ reason: 'invalid', detail: 'prompt_tokens' })]);
  });

  it('per-model budgets only count their model; unpriced models are reported once under a USD limit', async () => {
    const { budget, emitter } = setup({ models: { 'gpt-4.1': { maxTokens: 100 } }, day: { maxCostUsd: 5 } });
    await spend(budget, 'gpt-4.1', 80);
    expect((await budget.reserve({ model: 'gpt-4.1', estimate: est(30, 0) })).ok).toBe(false);
    expect((await budget.reserve({ model: 'my-local-model', estimate: est(30, 0) })).ok).toBe(true);
    await budget.reserve({ model: 'my-local-model', estimate: est(30, 0) });
    expect(emitter.of('budget:usage-warning').filter((w) => w.reason === 'unpriced')).toHaveLength(1);
    expect(budget.unpricedModels(['gpt-4.1', 'my-local-model'])).toEqual(['my-local-model']);
  });

  it('rolling window: usage leaves the window as time passes', async () => {
    const { budget, clock } = setup({ window: { windowMs: 3_600_000, maxTokens: 1_000, buckets: 60 } });
    await spend(budget, 'm', 900);
    expect((await budget.reserve({ model: 'm', estimate: est(200, 0) })).ok).toBe(false);
    await clock.advance(30 * 60_000);
    expect((await budget.reserve({ model: 'm', estimate: est(200, 0) })).ok).toBe(false);
    await clock.advance(31 * 60_000);
    const later = await budget.reserve({ model: 'm', estimate: est(200, 0) });
    expect(later.ok).toBe(true);
  });

  it('snapshot is plain JSON data with limit, used, reserved, remaining, cost and reset time', async () => {
    const { budget } = setup({ day: { maxTokens: 1_000, maxCostUsd: 2 }, task: { maxTokens: 500 }, timeZone: 'UTC' });
    await spend(budget, 'gpt-4.1', 100, 'job-1');
    const snap = await budget.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.scopes).toEqual([
      expect.objectContaining({ scope: 'day', limitTokens: 1_000, usedTokens: 100, remainingTokens: 900, limitUsd: 2, resetsAt: Date.parse('2026-01-02T00:00:00Z') }),
      expect.objectContaining({ scope: 'task', taskId: 'job-1', limitTokens: 500, remainingTokens: 400, limitUsd: null, remainingUsd: null, resetsAt: null }),
    ]);
  });
});
