import { describe, expect, it } from 'vitest';
import { RetryBudget, type RetryThrottle } from '../../src/retry/budget.js';
import { createFakeClock } from '../../src/testing/index.js';

function setup(options = { ratio: 0.1, minPerSecond: 0, windowMs: 10_000 }) {
  const clock = createFakeClock();
  const throttles: RetryThrottle[] = [];
  const budget = new RetryBudget(options, clock, (t) => throttles.push(t));
  return { clock, budget, throttles };
}

describe('RetryBudget', () => {
  it('allows ratio × recent successes, then throttles and reports it', () => {
    const { budget, throttles } = setup();
    for (let i = 0; i < 30; i++) budget.recordSuccess('m');
    expect([1, 2, 3, 4].map(() => budget.tryAcquire('m'))).toEqual([true, true, true, false]);
    expect(throttles).toEqual([{ model: 'm', retries: 3, successes: 30, allowed: 3 }]);
    expect(budget.snapshot().m).toEqual({ successes: 30, retries: 3, available: 0, throttled: 1 });
  });

  it('keeps a floor of minPerSecond × window seconds for a model with no successes', () => {
    const { budget } = setup({ ratio: 0.1, minPerSecond: 0.5, windowMs: 10_000 });
    const granted = Array.from({ length: 7 }, () => budget.tryAcquire('quiet')).filter(Boolean).length;
    expect(granted).toBe(5);
  });

  it('refills as old retries leave the window, and forgets old successes too', async () => {
    const { clock, budget } = setup({ ratio: 0.5, minPerSecond: 0.1, windowMs: 10_000 });
    expect(budget.tryAcquire('m')).toBe(true); // floor: 1 per window
    expect(budget.tryAcquire('m')).toBe(false);
    await clock.advance(9_000);
    expect(budget.tryAcquire('m')).toBe(false); // the first retry is still in the window
    await clock.advance(1_000);
    expect(budget.tryAcquire('m')).toBe(true); // it left the window
    for (let i = 0; i < 4; i++) budget.recordSuccess('m');
    expect(budget.tryAcquire('m')).toBe(true); // 0.5 × 4 + 1 = 3 allowed, 2 taken
    expect(budget.tryAcquire('m')).toBe(true);
    expect(budget.tryAcquire('m')).toBe(false);
    await clock.advance(20_000); // everything ages out, even after a long idle gap
    expect(budget.snapshot().m).toMatchObject({ successes: 0, retries: 0, available: 1 });
  });

  it('keeps one budget per model', () => {
    const { budget } = setup({ ratio: 1, minPerSecond: 0, windowMs: 10_000 });
    budget.recordSuccess('a');
    expect(budget.tryAcquire('b')).toBe(false);
    expect(budget.tryAcquire('a')).toBe(true);
  });
});
