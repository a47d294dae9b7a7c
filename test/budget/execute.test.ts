import { describe, expect, it } from 'vitest';
import { runBudgeted } from '../../src/budget/execute.js';
import { BudgetManager } from '../../src/budget/manager.js';
import { sleep } from '../../src/clock/clock.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { recorder } from './helpers.js';

function setup() {
  const clock = createFakeClock();
  const emitter = recorder();
  const budget = new BudgetManager({ day: { maxTokens: 1_000 }, task: { maxTokens: 1_000 } }, { clock, emitter });
  const totals = async () => (await budget.snapshot({ taskIds: ['t'] })).scopes.map((s) => [s.usedTokens, s.reservedTokens]);
  return { clock, emitter, budget, totals };
}
const req = { model: 'gpt-4.1', taskId: 't', estimate: { inputTokens: 100, outputTokens: 200 } };

describe('runBudgeted', () => {
  it('settles the usage read from the response', async () => {
    const { budget, totals } = setup();
    const out = await runBudgeted(budget, req, async () => ({ usage: { prompt_tokens: 90, completion_tokens: 10 } }));
    expect(out.ok).toBe(true);
    expect(await totals()).toEqual([
      [100, 0],
      [100, 0],
    ]);
  });

  it('releases the reservation when the call fails, and rethrows the error untouched', async () => {
    const { budget, totals } = setup();
    const boom = new Error('500');
    await expect(runBudgeted(budget, req, async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await totals()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(budget.openReservations).toBe(0);
  });

  it('releases the reservation when the caller aborts mid-call (fake clock)', async () => {
    const { budget, clock, totals } = setup();
    const controller = new AbortController();
    const pending = runBudgeted(budget, req, () => sleep(clock, 10_000, controller.signal).then(() => 'late'));
    await clock.advance(1_000);
    expect(await totals()).toEqual([
      [0, 300],
      [0, 300],
    ]);
    controller.abort(new DOMException('aborted', 'AbortError'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(await totals()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('does not call the function when the budget refuses', async () => {
    const { budget } = setup();
    let called = false;
    const out = await runBudgeted(budget, { ...req, estimate: { inputTokens: 2_000, outputTokens: 0 } }, async () => {
      called = true;
    });
    expect(called).toBe(false);
    expect(out).toMatchObject({ ok: false, denied: { action: 'reject', scope: 'task' } });
  });

  it('a stream (no usage on the value) settles the estimate with a warning', async () => {
    const { budget, emitter, totals } = setup();
    await runBudgeted(budget, req, async () => ({ [Symbol.asyncIterator]: async function* () {} }));
    expect(await totals()).toEqual([
      [300, 0],
      [300, 0],
    ]);
    expect(emitter.of('budget:usage-warning')).toEqual([expect.objectContaining({ reason: 'missing' })]);
  });
});
