import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/errors.js';
import { nextRun, scheduleDailyReport } from '../../src/monitor/schedule.js';
import { createFakeClock } from '../../src/testing/index.js';

const at = (iso: string) => Date.parse(iso);

describe('scheduleDailyReport', () => {
  it('runs every day at the local time, one timer at a time, on the fake clock', async () => {
    const clock = createFakeClock({ start: at('2026-03-10T08:00:00Z') });
    const runs: number[] = [];
    const h = scheduleDailyReport({ clock, at: '09:00', timeZone: 'Europe/Paris', produce: (t) => void runs.push(t) });
    // Paris is UTC+1 in March before the change: 09:00 local = 08:00 UTC, already passed today.
    expect(h.next()).toBe(at('2026-03-11T08:00:00Z'));
    expect(clock.pending()).toBe(1);
    await clock.advance(3 * 86_400_000);
    expect(runs.map((t) => new Date(t).toISOString())).toEqual(['2026-03-11T08:00:00.000Z', '2026-03-12T08:00:00.000Z', '2026-03-13T08:00:00.000Z']);
    expect(clock.pending()).toBe(1);
    h.dispose();
    expect(clock.pending()).toBe(0);
    expect(h.next()).toBeUndefined();
  });

  it('follows daylight saving time: 09:00 local moves from 08:00 to 07:00 UTC', () => {
    const o = { at: '09:00', timeZone: 'Europe/Paris' };
    expect(nextRun(at('2026-03-28T12:00:00Z'), o)).toBe(at('2026-03-29T07:00:00Z'));
    expect(nextRun(at('2026-03-27T12:00:00Z'), o)).toBe(at('2026-03-28T08:00:00Z'));
  });

  it('defers a run that falls in the quiet window to the end of the window', async () => {
    const clock = createFakeClock({ start: at('2026-01-01T00:00:00Z') });
    const runs: number[] = [];
    const h = scheduleDailyReport({ clock, at: '03:30', timeZone: 'UTC', quietHours: { from: '02:00', to: '07:00' }, produce: (t) => void runs.push(t) });
    await clock.advance(86_400_000);
    expect(runs).toEqual([at('2026-01-01T07:00:00Z')]);
    h.dispose();
  });

  it('handles a quiet window that wraps midnight and leaves times outside it alone', () => {
    const quietHours = { from: '22:00', to: '06:00' };
    const now = at('2026-01-01T12:00:00Z');
    expect(nextRun(now, { at: '23:15', timeZone: 'UTC', quietHours })).toBe(at('2026-01-02T06:00:00Z'));
    expect(nextRun(now, { at: '01:00', timeZone: 'UTC', quietHours })).toBe(at('2026-01-02T06:00:00Z'));
    expect(nextRun(now, { at: '21:59', timeZone: 'UTC', quietHours })).toBe(at('2026-01-01T21:59:00Z'));
  });

  it('keeps going when produce throws or rejects, reporting to onError', async () => {
    const clock = createFakeClock({ start: at('2026-01-01T00:00:00Z') });
    const errors: unknown[] = [];
    let n = 0;
    const h = scheduleDailyReport({
      clock, at: '01:00',
      produce: () => (++n === 1 ? Promise.reject(new Error('smtp down')) : (() => { throw new Error('bug'); })()),
      onError: (e) => errors.push(e),
    });
    await clock.advance(2 * 86_400_000);
    expect(n).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['smtp down', 'bug']);
    h.dispose();
  });

  it('validates its options', () => {
    const clock = createFakeClock();
    expect(() => scheduleDailyReport({ clock, at: '9am', produce: () => {} })).toThrow(/scheduleDailyReport\.at: expected a time 'HH:MM', received "9am"/);
    try {
      scheduleDailyReport({ clock, at: '09:00', timeZone: 'Mars/Olympus', produce: () => {} });
      expect.unreachable();
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
      expect((e as Error).message).toContain('scheduleDailyReport.timeZone: expected an IANA time zone');
    }
  });
});
