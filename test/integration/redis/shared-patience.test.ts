// The callers' patience shared by two processes on one real Redis (the script as Redis runs it).
// Runs only with REDIS_URL set (vitest.config.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATIENCE_KEPT, PATIENCE_WINDOW_MS, Patience } from '../../../src/client/patience.js';
import { PATIENCE_PULL_MS, RedisPatienceShare } from '../../../src/redis/patience-share.js';
import { createFakeClock } from '../../../src/testing/index.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sp${process.pid}-${Date.now()}:`;

let redis: Redis;
beforeAll(() => {
  redis = new Redis(URL_);
});
afterAll(async () => {
  await redis.del(`${prefix}patience`);
  redis.disconnect();
});

/**
 * Until every round trip sent so far was answered and its answer read: one connection answers in
 * order (twice: a script unknown to the server is sent again in full after its NOSCRIPT answer).
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await redis.ping();
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('the callers’ patience shared on Redis', () => {
  it('a process that saw no abort learns the figure from another’s, each abort counted once, on one bounded key', async () => {
    const clock = createFakeClock();
    const config = { prefix, timeoutMs: 1_000 };
    const a = new Patience(true, new RedisPatienceShare(redis, clock, config));
    const b = new Patience(true, new RedisPatienceShare(redis, clock, config));
    for (let i = 0; i < 4; i++) a.aborted(30_000, clock.now());
    await settle();
    // b reads a's 4 on its first refused call: not yet a figure; a counts its own once.
    b.explore(clock.now());
    await settle();
    expect(b.known).toBe(false);
    a.explore(clock.now());
    await settle();
    expect(a.known).toBe(false);
    // b's own abort makes 5.
    b.aborted(32_000, clock.now());
    expect(b.ms(clock.now())).toBe(30_000);
    await clock.advance(PATIENCE_PULL_MS);
    a.explore(clock.now());
    await settle();
    expect(a.ms(clock.now())).toBe(30_000);
    // Bounded: the counter, a ring of the latest aborts, the two publishers' marks and the highest, with the learning window as TTL.
    for (let i = 0; i < 2 * PATIENCE_KEPT; i++) a.aborted(30_000, clock.now());
    await settle();
    const hash = await redis.hgetall(`${prefix}patience`);
    expect(Object.keys(hash)).toHaveLength(PATIENCE_KEPT + 4);
    expect(hash.n).toBe(String(5 + 2 * PATIENCE_KEPT));
    const ttl = await redis.pttl(`${prefix}patience`);
    expect(ttl).toBeGreaterThan(PATIENCE_WINDOW_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(PATIENCE_WINDOW_MS);
  });
});
