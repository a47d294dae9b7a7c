import { afterEach, describe, expect, it } from 'vitest';
import { type Limiter, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';

// The provider's limit in these tests: 600 requests a minute, 10 a second.
const LIMIT = 600;

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

const headers = (now: number, remaining: number) => ({ observedAt: now, requests: { limit: LIMIT, remaining, resetAt: now + (LIMIT - remaining) * 100 } });

/** Calls admitted one after the other, each released at once, until the limiter has no room now. */
function drain(l: Limiter): number {
  let n = 0;
  while (n < LIMIT && l.available('m')) {
    (l.admit('m') as () => void)();
    n++;
  }
  return n;
}

/**
 * A minute of this process sending 2 calls a second while the provider's `remaining` stays at 300:
 * the others on the key use the other 8 of the 10 a second the limit refills.
 */
async function sharedMinute(clock: ReturnType<typeof createFakeClock>, l: Limiter) {
  l.observe('m', headers(clock.now(), 300));
  for (let s = 0; s < 60; s++) {
    await clock.advance(1_000);
    for (let i = 0; i < 2; i++) (l.admit('m') as () => void)();
    l.observe('m', headers(clock.now(), 300));
  }
}

describe('the room the headers show is everyone’s', () => {
  it('with others known to use the limit, a process takes only its part of the `remaining` it reads', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    await sharedMinute(clock, limiter);
    const perMinute = limiter.snapshot().m!.requests!.perMinute;
    expect(perMinute).toBeLessThan(LIMIT / 3); // it learned its part: about 2 of every 10
    // A window opens: the provider shows 20 requests left. Read as its own, every process would send 20.
    await clock.advance(1_000);
    limiter.observe('m', headers(clock.now(), 20));
    const sent = drain(limiter);
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThanOrEqual(Math.ceil((20 * perMinute) / LIMIT));
  });

  it('a process alone still takes all of the room it reads', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', headers(clock.now(), 20));
    expect(drain(limiter)).toBe(20);
    // A minute of its own 2 calls a second, the provider refilling them: no others, and its room is its own.
    for (let s = 0; s < 60; s++) {
      await clock.advance(1_000);
      for (let i = 0; i < 2; i++) (limiter.admit('m') as () => void)();
      limiter.observe('m', headers(clock.now(), LIMIT - 2));
    }
    const own = limiter.snapshot().m!.requests!.available;
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), LIMIT - 2));
    expect(drain(limiter)).toBe(own);
  });
});
