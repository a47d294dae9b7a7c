import { afterEach, describe, expect, it } from 'vitest';
import { type Limiter, type Release, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';

// The provider's limit in these tests: 60 requests a minute, one a second.
const LIMIT = 60;

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

const headers = (now: number, remaining: number) => ({ observedAt: now, requests: { limit: LIMIT, remaining } });

/** Calls admitted now, one after the other, until the limiter has no room; each kept in flight. */
function admitAll(l: Limiter): Release[] {
  const out: Release[] = [];
  while (out.length < LIMIT && l.available('m')) out.push(l.admit('m') as Release);
  return out;
}

describe('room the headers show above this process’s own count', () => {
  it('is taken back: calls that never reached the provider leave its room usable', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', headers(clock.now(), 20));
    // 20 calls admitted, all ended without reaching the provider (no answer, no 429).
    for (const release of admitAll(limiter)) release();
    await clock.advance(1);
    // The provider still shows its 20: they are this process's, not lost until the bucket refills.
    limiter.observe('m', headers(clock.now(), 20));
    expect(admitAll(limiter)).toHaveLength(20);
  });

  it('less what this process sent since its oldest call in flight: stale headers never grant room twice', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', headers(clock.now(), 20));
    const slow = limiter.admit('m') as Release; // its headers will describe the provider before the calls below
    const fast = Array.from({ length: 8 }, () => limiter!.admit('m') as Release);
    for (const release of fast) release();
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), 19)); // the slow call's answer: 19 left when it arrived
    slow();
    expect(admitAll(limiter)).toHaveLength(11); // 20 − the slow call − the 8 sent after it
  });

  it('with others on the key, only its part of it: the part of the limit it refills at', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', headers(clock.now(), LIMIT));
    // A minute in which `remaining` falls by 30 a minute more than this process's 1 call every 2 s: others use half the limit.
    for (let s = 0; s < 60; s += 2) {
      await clock.advance(2_000);
      (limiter.admit('m') as Release)();
      limiter.observe('m', headers(clock.now(), Math.max(0, LIMIT - s)));
    }
    expect(limiter.snapshot().m!.requests!.perMinute).toBeLessThan(LIMIT / 2);
    // Its own room used up by calls that never reached the provider; the provider then shows 20 left.
    for (const release of admitAll(limiter)) release();
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), 20));
    const perMinute = limiter.snapshot().m!.requests!.perMinute; // as these headers leave it
    const taken = admitAll(limiter).length;
    expect(taken).toBeGreaterThanOrEqual(1);
    expect(taken).toBeLessThanOrEqual(Math.ceil((20 * (perMinute + 1)) / LIMIT)); // perMinute is rounded
  });
});

/** One call admitted (waiting for its turn if it must) and answered at once. */
async function sendNow(clock: ReturnType<typeof createFakeClock>, l: Limiter): Promise<void> {
  const admitted = l.admit('m');
  let release: Release | undefined = typeof admitted === 'function' ? admitted : undefined;
  if (!release) void (admitted as Promise<Release>).then((r) => (release = r));
  for (let i = 0; i < 1_000 && !release; i++) await clock.advance(10);
  release!();
}

describe('a queue that drains is not read as others on the key', () => {
  it('a process alone keeps the whole limit after its waiting calls are sent', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', headers(clock.now(), 0));
    // A minute at the limit: one call a second, each answered with the provider empty.
    for (let s = 0; s < 60; s++) {
      await clock.advance(1_000);
      await sendNow(clock, limiter);
      limiter.observe('m', headers(clock.now(), 0));
    }
    // Demand above capacity: 40 calls wait, then leave about one a second; each answer shows the provider empty.
    let sent = 0;
    for (let i = 0; i < 40; i++) {
      void (limiter.admit('m') as Promise<Release>).then((release) => {
        sent++;
        release();
        limiter!.observe('m', headers(clock.now(), 0));
      });
    }
    for (let s = 0; s < 45 && sent < 40; s++) await clock.advance(1_000);
    expect(sent).toBe(40);
    expect(limiter.snapshot().m!.requests!.perMinute).toBe(LIMIT);
  });
});
