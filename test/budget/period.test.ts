import { describe, expect, it } from 'vitest';
import { BudgetManager } from '../../src/budget/manager.js';
import { dayKey, nextDayStart } from '../../src/budget/period.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { usage } from './helpers.js';

describe('day periods', () => {
  it.each([
    ['UTC', '2026-03-10T15:00:00Z', '2026-03-11T00:00:00Z'],
    ['America/New_York', '2026-01-01T04:30:00Z', '2026-01-01T05:00:00Z'], // 23:30 EST
    ['Asia/Kolkata', '2026-01-01T12:00:00Z', '2026-01-01T18:30:00Z'], // +05:30
    ['America/New_York', '2026-03-08T06:00:00Z', '2026-03-09T04:00:00Z'], // the 23-hour DST day
    ['America/New_York', '2026-11-01T05:00:00Z', '2026-11-02T05:00:00Z'], // the 25-hour day
    ['Pacific/Chatham', '2026-06-01T00:00:00Z', '2026-06-01T11:15:00Z'], // +12:45
  ])('in %s, %s ends at %s', (tz, now, end) => {
    expect(nextDayStart(Date.parse(now), tz)).toBe(Date.parse(end));
  });

  it('the instant found is exactly the first of a new local date', () => {
    for (const tz of ['Europe/Paris', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Tehran']) {
      for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 7 * 86_400_000 + 3_600_000) {
        const end = nextDayStart(t, tz);
        expect(dayKey(end - 1, tz)).toBe(dayKey(t, tz));
        expect(dayKey(end, tz)).not.toBe(dayKey(t, tz));
      }
    }
  });

  it('a day budget rolls over at midnight in its time zone, not at UTC midnight (fake clock)', async () => {
    // 18:30 in New York on Dec 31; UTC midnight comes first, New York midnight 5 h later.
    const clock = createFakeClock({ start: Date.parse('2025-12-31T23:30:00Z') });
    const budget = new BudgetManager({ day: { maxTokens: 1_000 }, timeZone: 'America/New_York' }, { clock });
    const r = await budget.reserve({ model: 'm', estimate: { inputTokens: 1_000, outputTokens: 0 } });
    if (!r.ok) throw r.error;
    await budget.settle(r.reservation, usage(1_000, 0));
    const probe = () => budget.reserve({ model: 'm', estimate: { inputTokens: 10, outputTokens: 0 } });

    await clock.advance(60 * 60_000); // 00:30 UTC Jan 1, still Dec 31 in New York
    expect((await probe()).ok).toBe(false);
    const snap = await budget.snapshot();
    expect(snap.scopes[0]).toMatchObject({ key: 'day:2025-12-31', resetsAt: Date.parse('2026-01-01T05:00:00Z') });

    await clock.advance(4.5 * 60 * 60_000 - 1); // 04:59:59.999 UTC: one ms before local midnight
    expect((await probe()).ok).toBe(false);
    await clock.advance(1); // local midnight
    const after = await probe();
    expect(after.ok).toBe(true);
    expect((await budget.snapshot()).scopes[0]).toMatchObject({ key: 'day:2026-01-01', usedTokens: 0, reservedTokens: 10 });
  });

  it('a hold made before midnight is settled into the day it was made in', async () => {
    const clock = createFakeClock({ start: Date.parse('2026-01-01T23:59:00Z') });
    const budget = new BudgetManager({ day: { maxTokens: 1_000 } }, { clock });
    const r = await budget.reserve({ model: 'm', estimate: { inputTokens: 100, outputTokens: 0 } });
    if (!r.ok) throw r.error;
    await clock.advance(120_000);
    await budget.settle(r.reservation, usage(100, 0));
    expect((await budget.store.get('day:2026-01-01')).used.tokens).toBe(100);
    expect((await budget.store.get('day:2026-01-02')).used.tokens).toBe(0);
  });
});
