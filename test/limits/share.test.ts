import { afterEach, describe, expect, it } from 'vitest';
import { type Limiter, createLimiter } from '../../src/limits/limiter.js';
import { HEADROOM, MIN_SHARE, RECOVER_MS, backoffAt, cut, newDimShare, observeShare, othersRate, shareRate } from '../../src/limits/share.js';
import { createFakeClock } from '../../src/testing/index.js';

const RATE = 60 / 60_000; // 60 a minute: one per second

describe('the others’ rate from the headers', () => {
  it.each([
    // remaining before, after, Δt ms, sent by us → others' units
    [10, 10, 1_000, 1, 0], // refilled 1, we sent 1: nobody else
    [10, 7, 1_000, 1, 3], // fell by 3 net of a refill of 1 and our 1: the others used 3
    [59.5, 58, 2_000, 0, 2], // capacity 60 caps the refill at 0.5: a lower bound
    [5, 6, 1_000, 1, -1], // a skewed reading counts negative, so the next one evens it out
  ])('remaining %d → %d over %d ms with %d sent: others %d', (r0, r1, dt, sent, others) => {
    const d = newDimShare(r0, 0);
    d.sent = sent;
    observeShare(d, r1, RATE, 60, dt);
    expect(d.others).toBeCloseTo(others, 9);
    expect(d.span).toBe(dt);
    expect(d.sent).toBe(0);
  });

  it('ignores an older reading and is never negative in the end', () => {
    const d = newDimShare(10, 1_000);
    observeShare(d, 0, RATE, 60, 500);
    expect(d).toMatchObject({ remaining: 10, at: 1_000, span: 0 });
    observeShare(d, 12, RATE, 60, 2_000); // rose by more than the refill
    expect(othersRate(d)).toBe(0);
  });

  it('leaves the share the others do not use, with headroom, never below MIN_SHARE', () => {
    const b = { factor: 1, at: 0 };
    const d = newDimShare(0, 0);
    expect(shareRate(RATE, undefined, b, 0)).toBe(RATE); // alone: the whole limit
    d.others = 0.5 * 10_000 * RATE; // the others used half the limit over 10 s
    d.span = 10_000;
    expect(shareRate(RATE, d, b, 0)).toBeCloseTo(RATE * (1 - 0.5 * (1 + HEADROOM)), 12);
    d.others = 2 * 10_000 * RATE;
    expect(shareRate(RATE, d, b, 0)).toBe(RATE * MIN_SHARE);
  });
});

describe('the 429 factor (multiplicative decrease, additive increase)', () => {
  it('halves on a cut, recovers linearly, and stops at MIN_SHARE', () => {
    const b = { factor: 1, at: 0 };
    cut(b, 0);
    expect(backoffAt(b, 0)).toBe(0.5);
    expect(backoffAt(b, RECOVER_MS / 4)).toBe(0.75);
    expect(backoffAt(b, RECOVER_MS)).toBe(1);
    for (let i = 0; i < 10; i++) cut(b, 0);
    expect(b.factor).toBe(MIN_SHARE);
    expect(shareRate(RATE, undefined, b, 0)).toBe(RATE * MIN_SHARE);
  });
});

/**
 * `workers` limiters on one provider bucket of 60 requests a minute, each
 * trying to send every 100 ms whatever its own demand; the provider answers
 * with its headers at once (remaining floored, like OpenAI's).
 */
async function shareOneLimit(workers: number, seconds: number) {
  const clock = createFakeClock();
  const limiters: Limiter[] = Array.from({ length: workers }, () => createLimiter(undefined, { clock }));
  let level = 60;
  let at = clock.now();
  const counts = { ok: 0, limited: 0, okLastMinute: 0, limitedLastMinute: 0 };
  const headers = () => ({ observedAt: clock.now(), requests: { limit: 60, remaining: Math.max(0, Math.floor(level)), resetAt: clock.now() + (60 - level) * 1_000 } });
  for (const l of limiters) l.observe('m', headers());
  for (let step = 0; step < seconds * 10; step++) {
    await clock.advance(100);
    level = Math.min(60, level + (clock.now() - at) * RATE);
    at = clock.now();
    const last = step >= (seconds - 60) * 10;
    for (let i = 0; i < workers; i++) {
      const l = limiters[(i + step) % workers]!;
      if (!l.available('m')) continue;
      (l.admit('m') as () => void)();
      if (level >= 1) {
        level -= 1;
        counts.ok++;
        if (last) counts.okLastMinute++;
        l.observe('m', headers());
      } else {
        counts.limited++;
        if (last) counts.limitedLastMinute++;
        l.observe('m', headers());
        l.throttled('m', 1_000, 1);
      }
    }
  }
  for (const l of limiters) l.dispose();
  return counts;
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('several processes on one limit, learning their share from the headers alone', () => {
  it('a process alone still uses the whole limit, without a 429', async () => {
    const c = await shareOneLimit(1, 180);
    expect(c.limited).toBe(0);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(59);
  });

  it('four greedy processes settle within seconds to the limit between them, with few 429s', async () => {
    const c = await shareOneLimit(4, 180);
    // Refilling at the full rate each, four processes would send four times the limit: 3 of 4 answered 429.
    expect(c.limitedLastMinute / (c.okLastMinute + c.limitedLastMinute)).toBeLessThan(0.05);
    expect(c.limited / (c.ok + c.limited)).toBeLessThan(0.1);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(50); // the limit stays used
  });
});
