// Unused output given back on the shared buckets, on a real Redis, two processes, one fake clock.
// Runs only with REDIS_URL set (vitest.config.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitInfo } from '../../../src/classify/ratelimit-headers.js';
import { createLimiter } from '../../../src/limits/limiter.js';
import { RedisBucketStore } from '../../../src/redis/bucket-store.js';
import { SharedBuckets } from '../../../src/redis/shared-buckets.js';
import { createFakeClock } from '../../../src/testing/index.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;
const MODEL = 'claude-sonnet-4-6';
const OPTIONS = { maxWaitMs: 10_000, maxQueue: 8, minRemainingRequests: 0, retryMs: 1_000 };
/** 60,000 output tokens a minute: one a ms. */
const LIMIT = 60_000;
const WEIGHT = { inputTokens: 100, outputTokens: 1_000 };

let redis: Redis;
beforeAll(() => {
  redis = new Redis(URL_);
});
afterAll(async () => {
  const keys = await redis.keys(`rf${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const output = (at: number, remaining: number): RateLimitInfo => ({ observedAt: at, outputTokens: { limit: LIMIT, remaining } }) as RateLimitInfo;

function processes(prefix: string) {
  const clock = createFakeClock();
  const make = () => new SharedBuckets(new RedisBucketStore(redis, clock, { prefix, timeoutMs: 5_000 }), createLimiter({}, { clock }), { clock, options: OPTIONS });
  return { clock, a: make(), b: make() };
}

const level = (p: SharedBuckets) => p.snapshot()[MODEL]!.outputTokens!.available;

describe('unused output given back to the shared buckets', () => {
  it('is not counted twice when another process’s later reading already showed the provider’s refund', async () => {
    const { clock, a, b } = processes(`rf${run}:twice:`);
    a.observe(MODEL, output(clock.now(), LIMIT));
    await a.admit(MODEL, { weight: WEIGHT });
    await clock.advance(1_000);
    // The call wrote 200 of its 1,000: the provider refunds 800 now; this process tells the store on its next admission.
    a.used(MODEL, WEIGHT, { inputTokens: 100, outputTokens: 200 });
    await clock.advance(1_000);
    // Another process's reading, taken after that refund, shows less room than the bucket: use it did not see.
    b.observe(MODEL, output(clock.now(), 58_000));
    await b.admit(MODEL, { weight: WEIGHT });
    expect(level(b)).toBe(57_000);
    // The refund is in that reading already: adding the 800 again would let calls past the provider's limit.
    await a.admit(MODEL, { weight: WEIGHT });
    expect(level(a)).toBe(56_000);
    a.dispose();
    b.dispose();
  });

  it('is not counted when the bucket was at its top after the call ended (the provider had no room for it)', async () => {
    const { clock, a, b } = processes(`rf${run}:full:`);
    a.observe(MODEL, output(clock.now(), LIMIT));
    b.observe(MODEL, output(clock.now(), LIMIT));
    await a.admit(MODEL, { weight: WEIGHT });
    // Full again at 1,000 ms; the call ends at 2,000 having written 200: the provider's refund of 800 finds no room.
    await clock.advance(2_000);
    a.used(MODEL, WEIGHT, { inputTokens: 100, outputTokens: 200 });
    await clock.advance(1);
    // Another process finds the level at its top after that refund (60,000: the bucket was full before it).
    for (let i = 0; i < 5; i++) await b.admit(MODEL, { weight: WEIGHT });
    expect(level(b)).toBe(55_000);
    // The refund reaches the store on this process's next admission, below the top now: adding it would be room the provider lost.
    await a.admit(MODEL, { weight: WEIGHT });
    expect(level(a)).toBe(54_000);
    a.dispose();
    b.dispose();
  });

  it('is counted when the call ended after the newest reading that lowered the bucket', async () => {
    const { clock, a, b } = processes(`rf${run}:after:`);
    a.observe(MODEL, output(clock.now(), LIMIT));
    await a.admit(MODEL, { weight: WEIGHT });
    await clock.advance(1_000);
    b.observe(MODEL, output(clock.now(), 58_000));
    await b.admit(MODEL, { weight: WEIGHT });
    expect(level(b)).toBe(57_000);
    await clock.advance(1_000);
    a.used(MODEL, WEIGHT, { inputTokens: 100, outputTokens: 200 });
    // 57,000, a second's refill (1,000), the 800 refunded after that reading, less this call's 1,000.
    await a.admit(MODEL, { weight: WEIGHT });
    expect(level(a)).toBe(57_800);
    a.dispose();
    b.dispose();
  });

  // A reading describes the provider's buckets as of when it handled the request, a latency before the
  // response that carries it, and is dated when the response is read: that errs on the side of fewer
  // calls. What it costs, and why dating it at the request was not kept: decision 0072.
  it('lowers the level as of when it is read: the refill and a refund of that latency are not counted (fewer calls, never more)', async () => {
    const { clock, a, b } = processes(`rf${run}:latency:`);
    a.observe(MODEL, output(clock.now(), LIMIT));
    await a.admit(MODEL, { weight: WEIGHT });
    await b.admit(MODEL, { weight: WEIGHT });
    expect(level(b)).toBe(58_000);
    await clock.advance(100);
    // b's call wrote 200 of its 1,000: the provider refunds 800 now; b tells the store on its next admission.
    b.used(MODEL, WEIGHT, { inputTokens: 100, outputTokens: 200 });
    await clock.advance(200);
    // a's answer, 300 ms after its request: the provider's room when it took a's call, with 2,000 of
    // use the buckets did not see (another key's client): 57,000. The provider holds 57,100 now.
    a.observe(MODEL, output(clock.now(), 57_000));
    await a.admit(MODEL, { weight: WEIGHT });
    // The level follows the reading as of now, less this call: 56,000 (the provider: 56,100).
    expect(level(a)).toBe(56_000);
    await clock.advance(100);
    // b's refund ended before that reading was read: it counts as held by it, and is not added. The
    // provider: 55,200. The 1,100 not counted (300 ms of refill, the refund) stand against b's call,
    // sent during that latency, which the reading does not hold either.
    await b.admit(MODEL, { weight: WEIGHT });
    expect(level(b)).toBe(55_100);
    a.dispose();
    b.dispose();
  });
});
