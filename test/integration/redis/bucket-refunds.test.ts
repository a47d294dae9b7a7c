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
});
