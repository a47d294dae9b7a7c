// Calls that wait for their turn on the shared buckets, on a real Redis, one fake clock.
// Runs only with REDIS_URL set (vitest.config.ts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBucketStore, type SharedAdmission } from '../../../src/redis/bucket-store.js';
import { createFakeClock } from '../../../src/testing/index.js';

const URL_ = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${process.pid}-${Date.now()}`;
const MODEL = 'm';
/** 60 requests a minute (one a second) and 600 output tokens a minute: a call of 100 output tokens every 10 s. */
const REQUESTS = 60;
const OUTPUT = 600;

let redis: Redis;
beforeAll(() => {
  redis = new Redis(URL_);
});
afterAll(async () => {
  const keys = await redis.keys(`bw${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe('calls waiting for their turn on the shared buckets', () => {
  it('keep the level at most the capacity less their units: refill the provider loses while they wait is not counted as room', async () => {
    const clock = createFakeClock();
    const start = clock.now();
    const store = new RedisBucketStore(redis, clock, { prefix: `bw${run}:`, timeoutMs: 5_000 });
    const call = (maxWaitMs: number, take = 1, reading = false): SharedAdmission => {
      const at = clock.now();
      return {
        now: at,
        maxWaitMs,
        dims: {
          requests: { take, need: take, reading: reading ? { remaining: REQUESTS, limit: REQUESTS, observedAt: at } : undefined },
          outputTokens: { take: 100 * take, need: 100 * take, reading: reading ? { remaining: OUTPUT, limit: OUTPUT, observedAt: at } : undefined },
        },
      };
    };
    // 30 calls at once: the output tokens give them turns up to minutes away; each takes its request now.
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) waits.push((await store.admit(MODEL, call(600_000, 1, i === 0))).waitMs);
    const later = waits.filter((w) => Math.ceil(w / 1_000) > 60).length;
    expect(later).toBeGreaterThan(10);
    // A minute on, the request bucket has refilled past its capacity, but the provider's holds no more than 60
    // beside the requests of the calls still waiting: the level is 60 less those.
    await clock.advance(60_000 - (clock.now() - start));
    const look = await store.admit(MODEL, call(-1, 0));
    expect(look.dims.requests!.level).toBe(REQUESTS - later);
    // Once their turns have come, it is the whole capacity again.
    await clock.advance(600_000);
    expect((await store.admit(MODEL, call(-1, 0))).dims.requests!.level).toBe(REQUESTS);
  });
});
