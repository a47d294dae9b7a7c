import { describe, expect, it } from 'vitest';
import { PATIENCE_EXPLORERS, PATIENCE_KEPT, PATIENCE_WINDOW_MS, Patience } from '../../src/client/patience.js';

describe('Patience', () => {
  it('uses the low quantile of consistent recent aborts, from the fifth on', () => {
    const p = new Patience();
    for (const ms of [100_000, 104_000, 110_000, 118_000]) p.aborted(ms, 1_000);
    expect(p.known).toBe(false);
    expect(p.ms(1_000)).toBeUndefined();
    p.aborted(120_000, 2_000);
    expect(p.ms(2_000)).toBe(100_000);
  });

  it('keeps at most the last aborts: old ones leave as new ones come', () => {
    const p = new Patience();
    for (let i = 0; i < PATIENCE_KEPT; i++) p.aborted(10_000, i);
    expect(p.ms(PATIENCE_KEPT)).toBe(10_000);
    // A whole ring of aborts at 60 s replaces those at 10 s.
    for (let i = 0; i < PATIENCE_KEPT; i++) p.aborted(60_000, 100 + i);
    expect(p.ms(200)).toBe(60_000);
  });

  it('drops the figure when the aborts turn inconsistent, and after the window without one', () => {
    const p = new Patience();
    for (let i = 0; i < 5; i++) p.aborted(30_000, i);
    expect(p.ms(10)).toBe(30_000);
    for (const ms of [1_000, 2_000, 3_000]) p.aborted(ms, 20);
    expect(p.ms(20)).toBeUndefined();
    const q = new Patience();
    for (let i = 0; i < 5; i++) q.aborted(30_000, 0);
    expect(q.ms(PATIENCE_WINDOW_MS - 1)).toBe(30_000);
    expect(q.ms(PATIENCE_WINDOW_MS)).toBeUndefined();
  });

  it('ignores aborts before a call started, and calls that settle within the aborts’ spread', () => {
    const p = new Patience();
    for (let i = 0; i < 5; i++) p.aborted(0, i);
    expect(p.known).toBe(false);
    for (let i = 0; i < 5; i++) p.aborted(30_000, i);
    p.settled(32_000);
    expect(p.ms(10)).toBe(30_000);
    p.settled(34_000);
    expect(p.known).toBe(false);
  });

  it('lets a few calls at once wait past the default bound while no figure is known, and none when it may not', () => {
    const p = new Patience(true);
    for (let i = 0; i < PATIENCE_EXPLORERS; i++) expect(p.explore(0)).toBe(true);
    expect(p.explore(0)).toBe(false);
    p.explored();
    expect(p.explore(0)).toBe(true);
    for (let i = 0; i < PATIENCE_EXPLORERS; i++) p.explored();
    for (let i = 0; i < 5; i++) p.aborted(30_000, 10);
    expect(p.explore(10)).toBe(false);
    expect(new Patience().explore(0)).toBe(false);
  });
});
