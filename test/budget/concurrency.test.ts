import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BudgetManager } from '../../src/budget/manager.js';
import { type Amount, type BudgetStore, MemoryBudgetStore, type StoreLimit } from '../../src/budget/store.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { usage } from './helpers.js';

/**
 * A memory store whose operations complete in an order chosen by fast-check's
 * scheduler, and which checks the hard limits after every operation.
 */
class ScheduledStore implements BudgetStore {
  readonly inner = new MemoryBudgetStore();
  violations: string[] = [];
  constructor(
    readonly s: fc.Scheduler,
    readonly limitOf: (key: string) => number | undefined,
  ) {}

  #check(key: string): void {
    const limit = this.limitOf(key);
    const t = this.inner.getSync(key);
    if (limit !== undefined && t.used.tokens + t.reserved.tokens > limit) this.violations.push(`${key}: ${t.used.tokens}+${t.reserved.tokens} > ${limit}`);
  }
  #later<T>(label: string, op: () => T): Promise<T> {
    return this.s.schedule(Promise.resolve(label), label).then(op);
  }
  get(key: string) {
    return this.#later(`get ${key}`, () => this.inner.getSync(key));
  }
  reserve(key: string, amount: Amount, limit?: StoreLimit) {
    return this.#later(`reserve ${key}`, () => {
      const r = this.inner.reserveSync(key, amount, limit);
      this.#check(key);
      return r;
    });
  }
  settle(key: string, reserved: Amount, used: Amount) {
    return this.#later(`settle ${key}`, () => {
      const t = this.inner.settleSync(key, reserved, used);
      this.#check(key);
      return t;
    });
  }
  release(key: string, reserved: Amount) {
    return this.#later(`release ${key}`, () => {
      const t = this.inner.settleSync(key, reserved, { tokens: 0, costNanos: 0 });
      this.#check(key);
      return t;
    });
  }
}

const DAY = 1_000;
const TASK = 400;
const WINDOW = 700;
const limitOf = (key: string) => (key.startsWith('day:') ? DAY : key.startsWith('task:') ? TASK : key.startsWith('window:') ? WINDOW : undefined);

describe('concurrent reservations', () => {
  it('100 concurrent reservations against a nearly full budget do not overshoot by a single token', async () => {
    const clock = createFakeClock();
    const budget = new BudgetManager({ day: { maxTokens: 100_000 }, task: { maxTokens: 100_000 } }, { clock });
    const first = await budget.reserve({ model: 'm', taskId: 't', estimate: { inputTokens: 99_000, outputTokens: 0 } });
    if (!first.ok) throw first.error;
    await budget.settle(first.reservation, usage(99_000, 0));
    const results = await Promise.all(
      Array.from({ length: 100 }, () => budget.reserve({ model: 'm', taskId: 't', estimate: { inputTokens: 5, outputTokens: 6 } })),
    );
    const granted = results.filter((r) => r.ok).length;
    expect(granted).toBe(Math.floor(1_000 / 11)); // 90 × 11 = 990 ≤ 1,000 < 91 × 11
    const day = (await budget.snapshot()).scopes.find((s) => s.scope === 'day')!;
    expect(day.usedTokens + day.reservedTokens).toBe(99_000 + granted * 11);
    expect(day.usedTokens + day.reservedTokens).toBeLessThanOrEqual(100_000);
  });

  it('random interleavings of reserve / settle / release never exceed a hard limit (property)', async () => {
    const call = fc.record({
      input: fc.integer({ min: 0, max: 250 }),
      output: fc.integer({ min: 0, max: 100 }),
      taskId: fc.constantFrom('a', 'b', 'c'),
      end: fc.constantFrom('settle', 'settle-missing', 'release', 'settle-invalid'),
      // Real usage is at most the hold: the output cap bounds output, and input is estimated from the request itself.
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(call, { minLength: 1, maxLength: 40 }), async (s, calls) => {
        const clock = createFakeClock();
        const store = new ScheduledStore(s, limitOf);
        const budget = new BudgetManager(
          { day: { maxTokens: DAY }, task: { maxTokens: TASK }, window: { windowMs: 60_000, maxTokens: WINDOW, buckets: 6 }, store },
          { clock },
        );
        let granted = 0;
        const runs = calls.map(async (c) => {
          const r = await budget.reserve({ model: 'm', taskId: c.taskId, estimate: { inputTokens: c.input, outputTokens: c.output } });
          if (!r.ok) return;
          granted++;
          await s.schedule(Promise.resolve('work'), 'provider call');
          const total = Math.floor((c.input + c.output) * c.fraction);
          if (c.end === 'release') await budget.release(r.reservation);
          else if (c.end === 'settle-missing') await budget.settle(r.reservation, undefined);
          else if (c.end === 'settle-invalid') await budget.settle(r.reservation, { ...usage(0, 0), invalid: 'x' });
          else await budget.settle(r.reservation, usage(Math.min(total, c.input), Math.max(0, total - c.input)));
        });
        await s.waitFor(Promise.all(runs));
        expect(store.violations).toEqual([]);
        expect(budget.openReservations).toBe(0);
        for (const key of store.inner.keys()) expect(store.inner.getSync(key).reserved.tokens).toBe(0);
        // Something was granted whenever the first call fits on its own.
        const first = calls[0]!;
        if (first.input + first.output <= TASK) expect(granted).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
