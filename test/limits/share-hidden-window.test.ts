import { describe, expect, it } from 'vitest';
import { perMinute } from '../../src/limits/bucket.js';
import { type ModelState, after429, pace } from '../../src/limits/learn.js';
import { HEADROOM, UNANSWERED_CUT, backoffAt, newDimShare, observeShare, othersRate } from '../../src/limits/share.js';

const RATE = 60 / 60_000; // 60 a minute: one per second

describe('the others’ rate once a window the headers do not show was found', () => {
  // A limit of 60 a minute also enforced over 10 s (10 units): the window was found empty with the
  // headers showing 50 left, so the burst was cut to 1/6 and 50 is the floor.
  it('two readings at that floor mean no refill was lost: everyone used all of it', () => {
    const held = newDimShare(50, 0);
    observeShare(held, 50, RATE, 60, 20_000, 50);
    expect(held.others).toBeCloseTo(20, 9); // the refill of 20 s, none of it sent by this process
    // Without the floor the expected level (others unknown yet) reaches the top after 10 s, and half of
    // the refill reads as lost: the others at half their use, which is what let 16 processes oversell.
    const before = newDimShare(50, 0);
    observeShare(before, 50, RATE, 60, 20_000);
    expect(before.others).toBeCloseTo(10, 9);
  });

  it('a reading above the floor (the window not empty) still counts the refill the top lost', () => {
    const d = newDimShare(50, 0);
    observeShare(d, 55, RATE, 60, 20_000, 50);
    expect(d.others).toBeCloseTo(5, 9); // 50 + 20 − 10 lost − 55
  });
});

describe('a 429 among others that the share estimate does not answer', () => {
  /** A model whose burst a hidden window cut, at `mine` of the limit and the others at `others` (both measured over a minute). */
  const model = (mine: number, others: number, burst = 1 / 6): ModelState => {
    const d = newDimShare(50, 0);
    Object.assign(d, { rate: RATE, capacity: 60, span: 60_000, mine: mine * 60_000 * RATE, others: others * 60_000 * RATE });
    const s = { buckets: { requests: perMinute(60, 0) }, share: { requests: d }, backoff: { factor: 1, at: 0 }, burst, heldUntil: 0 } as unknown as ModelState;
    pace(s, 0); // as after its last headers
    return s;
  };

  it('cuts the 429 factor when everyone was already measured above the limit (a fallback taken over in a rush)', () => {
    // This process at 0.2 of the limit, the others at 1.6: saying "the limit is used up" lowers nothing.
    const s = model(0.2, 1.6);
    after429(s, 1_000);
    expect(backoffAt(s.backoff, 1_000)).toBeCloseTo(UNANSWERED_CUT, 12);
    const part = 0.2 / (0.2 + 1.6 * (1 + HEADROOM / 4));
    expect(s.buckets.requests!.ratePerMs).toBeCloseTo(RATE * part * UNANSWERED_CUT, 12);
    // A model whose limit holds over the minute its headers show (no burst cut: over capacity, say)
    // keeps its factor: the split alone answers there.
    const minute = model(0.2, 1.6, 1);
    after429(minute, 1_000);
    expect(backoffAt(minute.backoff, 1_000)).toBe(1);
  });

  it('leaves the factor alone when the estimate itself steps back (a storm’s start)', () => {
    // Before the storm this process at 1/8 of the limit, the others at 3/8: the 429 raises the others'
    // estimate to the rest of the limit, and this process's refill falls by far more than a tenth.
    const s = model(0.125, 0.375);
    const before = s.buckets.requests!.ratePerMs;
    after429(s, 1_000);
    expect(backoffAt(s.backoff, 1_000)).toBe(1);
    expect(s.buckets.requests!.ratePerMs).toBeLessThan(0.9 * before);
    expect(othersRate(s.share.requests!) / (1 + HEADROOM)).toBeGreaterThan(0.8 * RATE);
  });
});
