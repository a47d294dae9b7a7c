import { afterEach, describe, expect, it } from 'vitest';
import { perMinute } from '../../src/limits/bucket.js';
import { type ModelState, pace } from '../../src/limits/learn.js';
import { createLimiter } from '../../src/limits/limiter.js';
import { CUT_HEADROOM, HEADROOM, MIN_SHARE, RECOVER_MS, backoffAt, cut, newDimShare, noteSent, observeShare, othersRate, saturated, shareRate } from '../../src/limits/share.js';
import { createFakeClock } from '../../src/testing/index.js';
import { shareOneLimit } from './one-limit.js';

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

  it('counts the others’ use while the level stays below its top, though refill could have passed it', () => {
    // The others use exactly the refill (1 a second), so `remaining` stays at 50 of 60; a reading every 20 s.
    // All of the refill past the top counted as lost, the others would read as half of that.
    const d = newDimShare(50, 0);
    for (let t = 20_000; t <= 200_000; t += 20_000) observeShare(d, 50, RATE, 60, t);
    expect(othersRate(d) / (1 + HEADROOM)).toBeGreaterThan(0.9 * RATE);
  });

  it('still counts the refill a bucket at its top lost: a lone process sending bursts sees no others', () => {
    const d = newDimShare(60, 0);
    for (let t = 0; t < 200_000; t += 20_000) {
      // Full for 19 s, then this process sends 10 at once; the reading comes 1 s later.
      noteSent(d, 10, t + 19_000);
      observeShare(d, 51, RATE, 60, t + 20_000);
    }
    expect(othersRate(d)).toBeLessThan(0.05 * RATE);
  });

  it('a lone process near its top, its calls answered a latency later, reads no others', () => {
    // One call every 1.5 s (40 a minute of 60): the provider refills each call's unit within a second, so
    // every call finds it at its top and its reading, 2.5 s later, shows 59. Nobody else uses the limit.
    const d = newDimShare(60, 0);
    const events: [number, () => void][] = [];
    for (let k = 0; k < 120; k++) {
      events.push([k * 1_500, () => noteSent(d, 1, k * 1_500)]);
      events.push([k * 1_500 + 2_500, () => observeShare(d, 59, RATE, 60, k * 1_500 + 2_500)]);
    }
    for (const [, run] of events.sort((a, b) => a[0] - b[0])) run();
    expect(othersRate(d)).toBeLessThan(0.05 * RATE);
    expect(shareRate(RATE, d, { factor: 1, at: 0 }, 200_000)).toBeGreaterThan(0.95 * RATE);
    expect(d.level).toBe(60); // one call above the last reading: its unit refilled while the answer travelled
  });

  it('among others the expected level still starts at the reading’s remaining', () => {
    const d = newDimShare(60, 0);
    noteSent(d, 1, 1_000);
    observeShare(d, 30, RATE, 60, 10_000); // fell by 30 beyond the refill and our 1: others use the limit
    expect(othersRate(d)).toBeGreaterThan(RATE);
    expect(d.level).toBe(30);
  });

  it('a 429 while others share the limit says it is used up: the others took what this process left of it', () => {
    const d = newDimShare(30, 0);
    noteSent(d, 2, 5_000);
    observeShare(d, 35, RATE, 60, 10_000); // over 10 s: refill 10, we sent 2, the others 3
    expect(saturated(d)).toBe(true);
    // Everyone's use (5 of 10) doubled to the limit: this process's rises by √2, the others take the rest.
    const mine = 2 * Math.SQRT2;
    expect(othersRate(d) / (1 + HEADROOM)).toBeCloseTo(RATE - mine / 10_000, 12);
    // Everyone together at the limit: this process keeps its part, in proportion to its use.
    const share = shareRate(RATE, d, { factor: 1, at: 0 }, 10_000);
    expect(share).toBeCloseTo((RATE * mine) / (mine + (10 - mine) * (1 + HEADROOM)), 12);
    // Alone (no others measured), a 429 changes nothing here: the burst and the 429 factor handle it.
    const alone = newDimShare(30, 0);
    noteSent(alone, 10, 5_000);
    observeShare(alone, 30, RATE, 60, 10_000);
    expect(saturated(alone)).toBe(false);
    expect(othersRate(alone)).toBe(0);
  });

  it('leaves the share the others do not use, with headroom, never below MIN_SHARE', () => {
    const b = { factor: 1, at: 0 };
    const d = newDimShare(0, 0);
    expect(shareRate(RATE, undefined, b, 0)).toBe(RATE); // alone: the whole limit
    d.others = 0.5 * 10_000 * RATE; // the others used half the limit over 10 s, this process 40%
    d.mine = 0.4 * 10_000 * RATE;
    d.span = 10_000;
    expect(shareRate(RATE, d, b, 0)).toBeCloseTo(RATE * (1 - 0.5 * (1 + HEADROOM)), 12);
    d.others = 2 * 10_000 * RATE;
    d.mine = 0;
    expect(shareRate(RATE, d, b, 0)).toBe(RATE * MIN_SHARE);
  });

  it('takes at most MIN_SHARE of the limit beyond its part of everyone’s use: many processes cannot each claim all the room left', () => {
    // 16 processes, each using 1/20 of the limit (80% in all): each sees the others at 75% and 25% left.
    // Each taking all of it would grant them 16 × 25% between them; its part scaled to the limit is
    // 1/20 ÷ (1/20 + 1.1 × 3/4), and it may grow by 1/32 of the limit beyond that.
    const d = newDimShare(0, 0);
    d.span = 10_000;
    d.mine = 0.05 * 10_000 * RATE;
    d.others = 0.75 * 10_000 * RATE;
    const part = 0.05 / (0.05 + 0.75 * (1 + HEADROOM));
    const share = shareRate(RATE, d, { factor: 1, at: 0 }, 0);
    expect(share).toBeCloseTo(RATE * (part + MIN_SHARE), 12);
    expect((16 * share) / RATE).toBeLessThan(1.6); // room for 16 × 25% would be 4 × the limit
  });

  it('others are known from a quarter of the limit, or from MIN_SHARE when they use more than this process', () => {
    // 16 processes before a storm: the others read at a fifth of the limit (half their real use, the
    // bucket resting near its top), this one at a thirtieth. A 429 now says the limit is used up.
    const many = newDimShare(0, 0);
    Object.assign(many, { rate: RATE, span: 60_000, mine: (60_000 * RATE) / 30, others: (60_000 * RATE) / 5 });
    expect(saturated(many)).toBe(true);
    expect(othersRate(many) / (1 + HEADROOM)).toBeGreaterThan(0.9 * RATE);
    // A process alone reads a little of its own latency as others, far less than its own use: no others.
    const alone = newDimShare(0, 0);
    Object.assign(alone, { rate: RATE, span: 60_000, mine: 0.6 * 60_000 * RATE, others: 0.12 * 60_000 * RATE });
    expect(saturated(alone)).toBe(false);
    // Under MIN_SHARE of the limit, others are never known.
    const few = newDimShare(0, 0);
    Object.assign(few, { rate: RATE, span: 60_000, mine: 0.01 * 60_000 * RATE, others: 0.02 * 60_000 * RATE });
    expect(saturated(few)).toBe(false);
  });

  it('leaves a quarter of the headroom once the burst is cut to a window the headers do not show', () => {
    const d = newDimShare(0, 0);
    Object.assign(d, { span: 60_000, mine: 0.25 * 60_000 * RATE, others: 0.75 * 60_000 * RATE });
    const b = { factor: 1, at: 0 };
    expect(shareRate(RATE, d, b, 0)).toBeCloseTo((RATE * 0.25) / (0.25 + 0.75 * (1 + HEADROOM)), 12);
    expect(CUT_HEADROOM).toBe(HEADROOM / 4);
    expect(shareRate(RATE, d, b, 0, CUT_HEADROOM)).toBeCloseTo((RATE * 0.25) / (0.25 + 0.75 * 1.025), 12);
    // A model's buckets refill at that share once its burst was cut, and only then.
    const s = { buckets: { requests: perMinute(60, 0) }, share: { requests: d }, backoff: b, burst: 1 } as unknown as ModelState;
    pace(s, 0);
    expect(s.buckets.requests!.ratePerMs).toBeCloseTo(shareRate(RATE, d, b, 0), 12);
    s.burst = 0.25;
    pace(s, 0);
    expect(s.buckets.requests!.ratePerMs).toBeCloseTo(shareRate(RATE, d, b, 0, CUT_HEADROOM), 12);
  });

  it('a 429 at a storm’s start splits the limit between this process and the others, its own use raised too', () => {
    // Before the storm four processes used half the limit: this one 1/8, the others 3/8. Now it is used up.
    const d = newDimShare(0, 0);
    d.rate = RATE;
    d.span = 60_000;
    d.mine = 0.125 * 60_000 * RATE;
    d.others = 0.375 * 60_000 * RATE;
    expect(saturated(d)).toBe(true);
    // Everyone's use doubled; this process's use rises by √2 (not at all, and it would keep 11.5% of
    // the limit, less than half its part of a quarter, and wait a minute for the estimate to forget).
    const mine = 0.125 * Math.SQRT2;
    expect(d.mine).toBeCloseTo(mine * 60_000 * RATE, 9);
    expect(othersRate(d) / (1 + HEADROOM)).toBeCloseTo(RATE * (1 - mine), 12);
    const share = shareRate(RATE, d, { factor: 1, at: 0 }, 0) / RATE;
    expect(share).toBeCloseTo(mine / (mine + (1 - mine) * (1 + HEADROOM)), 12);
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25); // never more than its part: the others' estimate may read low
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

  it('eight processes under a limit also enforced over 10-s windows the headers do not show: few 429s', async () => {
    // The minute bucket the headers show stays near its top, so refill past it looks lost: counted lost,
    // the others' use read low and 17% of requests were answered 429.
    const c = await shareOneLimit(8, 240, undefined, 10);
    expect(c.limited / (c.ok + c.limited)).toBeLessThan(0.1);
    expect(c.limitedLastMinute / (c.okLastMinute + c.limitedLastMinute)).toBeLessThan(0.05);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(45); // most of the limit stays used
  });

  it('at a storm’s start, processes draining a full bucket together keep their part of the limit rather than all falling to the floor', async () => {
    // While the bucket drains, everyone together uses more than the limit, so each sees the others above it.
    let lowest = Number.POSITIVE_INFINITY;
    await shareOneLimit(4, 60, (limiters, second) => {
      if (second < 5) return;
      const allowed = limiters.reduce((n, l) => n + (l.snapshot().m?.requests?.perMinute ?? 0), 0);
      lowest = Math.min(lowest, allowed);
    });
    expect(lowest).toBeGreaterThanOrEqual(30); // half the limit of 60 a minute (all four at the floor: 4 × 2)
  });

  it('a storm under 10-s windows: after the first 429s, four processes that used half the limit still allow themselves most of it', async () => {
    // Two minutes at half the limit (each process a call every 8 s), then every process greedy.
    let lowest = Number.POSITIVE_INFINITY;
    const c = await shareOneLimit(
      4,
      240,
      (limiters, second) => {
        if (second <= 125) return;
        const allowed = limiters.reduce((n, l) => n + (l.snapshot().m?.requests?.perMinute ?? 0), 0);
        lowest = Math.min(lowest, allowed);
      },
      10,
      (i, step) => step >= 1_200 || (step + i * 20) % 80 === 0,
    );
    // A 429 left each at its use of before the storm (an eighth of the limit) while the estimate
    // forgot it: the four together allowed themselves 45 a minute of 60.
    expect(lowest).toBeGreaterThanOrEqual(54);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(55);
    expect(c.limitedLastMinute / (c.okLastMinute + c.limitedLastMinute)).toBeLessThan(0.05);
  });
});

describe('a model used for the first time', () => {
  it('counts the burst it sent before the first headers as its own, not as others’ use', async () => {
    // A fallback taking over: 20 calls go out at once to a model that has sent no headers yet. Its
    // answers then come back one by one, each header's `remaining` lower by one of this process's calls
    // and up by the refill (150 a minute: 0.25 per 100 ms).
    const clock = createFakeClock();
    const l = createLimiter(undefined, { clock });
    cleanup = () => l.dispose();
    for (let i = 0; i < 20; i++) (l.admit('backup', { weight: 1 }) as () => void)();
    for (let i = 1; i <= 20; i++) {
      await clock.advance(100);
      l.observe('backup', { observedAt: clock.now(), requests: { limit: 150, remaining: Math.floor(150 - 0.75 * i), resetAt: clock.now() + i * 300 } });
    }
    // Alone on the key, it keeps the whole limit. (Counting the burst as others' use put it at the floor: 5 a minute.)
    expect(l.snapshot().backup?.requests?.perMinute).toBe(150);
  });

  it('a fallback taking over a limit others already drain: its first burst is its part of what the headers show used', () => {
    // Two calls go out to the backup; its first headers show 30 of 150 used: 28 of them by others.
    const clock = createFakeClock();
    const l = createLimiter(undefined, { clock });
    cleanup = () => l.dispose();
    for (let i = 0; i < 2; i++) (l.admit('backup', { weight: 1 }) as () => void)();
    l.observe('backup', { observedAt: clock.now(), requests: { limit: 150, remaining: 120 } });
    // Its part of the limit: 2 ÷ (2 + 28 × 1.1) of 150, about 9. All 120 left: every process taking over
    // at once would each send that much into the limit the others are draining.
    expect(l.snapshot().backup?.requests?.available).toBe(Math.floor(150 * (2 / (2 + 28 * (1 + HEADROOM)))));
  });

  it('a fallback alone on its limit does not read its own tokens beyond its estimates as others’ use', () => {
    // The requests show this process alone (2 sent, 2 used). Its tokens are estimates: a bare number
    // counts as input and no output, and the real input ran past the estimate. Neither may look like
    // others draining the limit (it once cut the backup to 1/32 of its output and input limits).
    const clock = createFakeClock();
    const l = createLimiter(undefined, { clock });
    cleanup = () => l.dispose();
    for (let i = 0; i < 2; i++) (l.admit('backup', { weight: 2_000 }) as () => void)();
    l.observe('backup', {
      observedAt: clock.now(),
      requests: { limit: 150, remaining: 148 },
      inputTokens: { limit: 225_000, remaining: 215_000 },
      outputTokens: { limit: 75_000, remaining: 74_000 },
    });
    const b = l.snapshot().backup!;
    expect(b.requests?.available).toBe(148);
    expect(b.inputTokens?.available).toBe(215_000);
    expect(b.outputTokens?.available).toBe(74_000);
  });

  it('a model that never sends headers stays out of the snapshot, however many calls it takes', () => {
    const clock = createFakeClock();
    const l = createLimiter(undefined, { clock });
    cleanup = () => l.dispose();
    for (let i = 0; i < 300; i++) (l.admit('quiet') as () => void)();
    expect(l.snapshot()).toEqual({});
  });
});
