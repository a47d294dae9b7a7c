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

  it('after an idle spell count the come turns by the seconds filed, not by every second since the last admission', async () => {
    const clock = createFakeClock();
    const store = new RedisBucketStore(redis, clock, { prefix: `bw${run}-idle:`, timeoutMs: 5_000 });
    const call = (maxWaitMs: number, take: number, reading: boolean): SharedAdmission => ({
      now: clock.now(),
      maxWaitMs,
      dims: { outputTokens: { take, need: take, reading: reading ? { remaining: OUTPUT, limit: OUTPUT, observedAt: clock.now() } : undefined } },
    });
    // 60 calls of a whole minute's output each (callers with hour-long deadlines): turns filed a minute apart, up to an hour on.
    let last = 0;
    for (let i = 0; i < 60; i++) last = (await store.admit(MODEL, call(4_000_000, OUTPUT, i === 0))).waitMs;
    expect(last).toBeGreaterThan(3_500_000);
    // Two hours later (nothing admitted meanwhile) one look counts them all as come.
    await clock.advance(7_200_000);
    const hgets = async () => Number(/cmdstat_hget:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await hgets();
    const look = await store.admit(MODEL, call(-1, 0, false));
    // About one look-up per filed second (60), not one per second gone by (3,600); other suites may share the server.
    expect((await hgets()) - before).toBeLessThan(1_000);
    expect(look.dims.outputTokens!.level).toBe(OUTPUT);
    expect(await redis.hget(`bw${run}-idle:buckets:${MODEL}`, 'qm')).toBeNull();
  });

  it('fold a reading less the units of the calls still waiting for their turn, which the provider has not counted', async () => {
    const clock = createFakeClock();
    const store = new RedisBucketStore(redis, clock, { prefix: `bw${run}-fold:`, timeoutMs: 5_000 });
    const LIMIT = 60_000; // input tokens a minute
    const call = (maxWaitMs: number, take: number, remaining?: number): SharedAdmission => ({
      now: clock.now(),
      maxWaitMs,
      dims: { inputTokens: { take, need: take, reading: remaining === undefined ? undefined : { remaining, limit: LIMIT, observedAt: clock.now() } } },
    });
    expect((await store.admit(MODEL, call(0, 50_000, LIMIT))).waitMs).toBe(0);
    // Another process's use this one did not see: the provider has nothing left. No call waits for its turn, so that is the level.
    expect((await store.admit(MODEL, call(-1, 0, 0))).dims.inputTokens!.level).toBe(0);
    // Two calls now wait for their turns (10 s and 20 s on): a reading of nothing left is 20,000 under the level.
    const waits = [(await store.admit(MODEL, call(60_000, 10_000))).waitMs, (await store.admit(MODEL, call(60_000, 10_000))).waitMs];
    expect(waits).toEqual([10_000, 20_000]);
    expect((await store.admit(MODEL, call(-1, 0, 0))).dims.inputTokens!.level).toBe(-20_000);
  });

  it('give a call that states its answers’ output part a turn by what the calls waiting before it will write, counting at their cap those due within its latency', async () => {
    const clock = createFakeClock();
    const store = new RedisBucketStore(redis, clock, { prefix: `bw${run}-part:`, timeoutMs: 5_000 });
    const LIMIT = 6_000; // 100 output tokens a second: a call of 1,000 every 10 s
    const call = (maxWaitMs: number, o: { take?: number; reading?: boolean; refund?: number; part?: number; aheadS?: number } = {}): SharedAdmission => ({
      now: clock.now(),
      maxWaitMs,
      ...(o.part === undefined ? {} : { outputPart: { part: o.part, aheadS: o.aheadS ?? 1 } }),
      dims: {
        outputTokens: {
          take: o.take ?? 1_000,
          need: o.take ?? 1_000,
          reading: o.reading ? { remaining: LIMIT, limit: LIMIT, observedAt: clock.now() } : undefined,
          refund: o.refund ? { units: o.refund, at: clock.now() } : undefined,
        },
      },
    });
    expect((await store.admit(MODEL, call(0, { take: LIMIT, reading: true }))).waitMs).toBe(0);
    // Answers wrote less than their cap: output is refunded (so its waiting calls do not bound its level).
    await store.admit(MODEL, call(-1, { take: 0, refund: 1_000 }));
    // 12 calls: one goes, 11 wait, their turns 10 s apart.
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) waits.push((await store.admit(MODEL, call(600_000))).waitMs);
    expect(waits).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000]);
    // Answers write half their cap: the 11 waiting calls give back 5,500 tokens before a turn 55 s sooner.
    expect((await store.admit(MODEL, call(-1))).waitMs).toBe(120_000);
    expect((await store.admit(MODEL, call(-1, { part: 0.5 }))).waitMs).toBe(65_000);
    // The calls due within its latency (25 s: the first two) are still writing at its turn: they count at their cap.
    expect((await store.admit(MODEL, call(-1, { part: 0.5, aheadS: 25 }))).waitMs).toBe(75_000);
  });
});
