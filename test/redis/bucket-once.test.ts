// The shared buckets run each admission once: ioredis sends a command left unanswered again after it
// reconnects, one that ran and lost only its answer too, and a give-back added twice is room the
// provider does not have. On the stub Redis (its bucket model: stub-buckets.ts); the real script is
// tested on a real Redis in test/integration/redis/bucket-once.test.ts.
import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/limits/limiter.js';
import { RedisBucketStore, type DimRequest } from '../../src/redis/bucket-store.js';
import { SharedBuckets } from '../../src/redis/shared-buckets.js';
import { createFakeClock } from '../../src/testing/index.js';
import { StubRedis } from './stub-redis.js';

const KEY = 'app:buckets:m';

function setup() {
  const clock = createFakeClock();
  const redis = new StubRedis(clock);
  const store = (n = 0) => new RedisBucketStore(redis, clock, { prefix: 'app:', timeoutMs: 100 }, () => n / 36);
  const level = () => redis.hash(KEY).get('1l');
  /** One admission of `requests` only (60 a minute: one every second). */
  const admit = (s: RedisBucketStore, requests: Partial<DimRequest>) => s.admit('m', { now: clock.now(), maxWaitMs: 0, dims: { requests: { take: 0, need: 0, ...requests } } });
  /** An admission the stub runs, or holds (`fault`), and whose answer never comes: it times out. */
  const unanswered = async (s: RedisBucketStore, requests: Partial<DimRequest>, fault: 'lost-reply' | 'hang') => {
    redis.fault = fault;
    const p = admit(s, requests).catch((e: unknown) => e);
    await clock.advance(100);
    expect(await p).toMatchObject({ name: 'RedisOpError', reason: 'timeout', maybeApplied: true });
    redis.fault = 'none';
  };
  const reading = (remaining: number) => ({ remaining, limit: 60, observedAt: clock.now() });
  return { clock, redis, store, level, admit, unanswered, reading };
}

describe('the shared buckets run each admission once', () => {
  it('a give-back that ran but lost its answer, sent again by the Redis client after it reconnects, is added once', async () => {
    const { redis, store, level, admit, unanswered, reading } = setup();
    const s = store();
    await admit(s, { take: 1, need: 1, reading: reading(20) });
    expect(level()).toBe(19);
    await unanswered(s, { giveBack: 10 }, 'lost-reply');
    expect(level()).toBe(29);
    redis.resend(); // ioredis, reconnected, sends the unanswered command again
    expect(level()).toBe(29);
    expect(redis.unanswered).toHaveLength(0);
    await admit(store(1), { giveBack: 5 }); // another store's give-back is its own
    expect(level()).toBeCloseTo(34.1, 6); // and a tenth of a second's refill
  });

  it('a refund sent again is added once, and so is a take', async () => {
    const { clock, redis, store, level, admit, unanswered, reading } = setup();
    const s = store();
    await admit(s, { reading: reading(20) });
    await unanswered(s, { take: 1, need: 1, refund: { units: 5, at: clock.now() } }, 'lost-reply');
    expect(level()).toBe(24);
    redis.resend();
    expect(level()).toBe(24);
  });

  it('an admission that reaches Redis after a later one of the same store changes nothing (it may be a repeat)', async () => {
    const { redis, store, level, admit, unanswered, reading } = setup();
    const s = store();
    await admit(s, { take: 1, need: 1, reading: reading(20) });
    await unanswered(s, { giveBack: 10 }, 'hang'); // stuck in the client's queue
    await admit(s, { take: 1, need: 1 });
    expect(level()).toBeCloseTo(18.1, 6); // a tenth of a second's refill
    redis.resend();
    expect(level()).toBeCloseTo(18.1, 6);
  });

  it('an admission Redis found stale (a later one of its store ran first) is sent once more with a new sequence, and counts once', async () => {
    const { redis, store, level, admit, reading } = setup();
    const s = store();
    await admit(s, { take: 1, need: 1, reading: reading(20) });
    const h = redis.hash(KEY);
    const [mark] = [...h.keys()].filter((f) => f.startsWith('s:'));
    h.set(mark!, h.get(mark!)! + 1); // as if this store's next admission had already run
    const calls = redis.calls;
    expect((await admit(s, { take: 1, need: 1, giveBack: 10 })).taken).toBe(true);
    expect(redis.calls - calls).toBe(2);
    expect(level()).toBe(28);
  });

  it('keeps the marks of the stores of the last ten minutes only; an admission older than that is refused by its age', async () => {
    const { clock, redis, store, level, admit, unanswered, reading } = setup();
    const [a, b] = [store(1), store(2)];
    await admit(a, { reading: reading(20) });
    await unanswered(a, { giveBack: 10 }, 'lost-reply'); // a's last admission: 30
    for (let i = 0; i < 11; i++) {
      await clock.advance(60_000);
      await admit(b, { take: 60, need: 60 }); // b takes every minute's refill
    }
    expect([...redis.hash(KEY).keys()].filter((f) => f.startsWith('s:'))).toHaveLength(2);
    await admit(store(3), {}); // a store new here: a's mark goes, b's stays
    expect([...redis.hash(KEY).keys()].filter((f) => f.startsWith('s:'))).toHaveLength(2);
    const before = level();
    redis.resend(); // a's admission from 11 minutes ago, sent again: refused by its age, not by a's mark
    expect(level()).toBe(before);
  });

  it('through the limiter: calls aborted while they wait give their shares back once, though the admission carrying them ran twice', async () => {
    const { clock, redis, level } = setup();
    const options = { maxWaitMs: 10_000, maxQueue: 8, minRemainingRequests: 0, retryMs: 1_000 };
    const limiter = new SharedBuckets(new RedisBucketStore(redis, clock, { prefix: 'app:', timeoutMs: 100 }, () => 0), createLimiter({}, { clock }), { clock, options });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 1 } } as never);
    await limiter.admit('m'); // the last request: the bucket is empty
    const ac = new AbortController();
    const waiting = [0, 1].map(() => Promise.resolve(limiter.admit('m', { signal: ac.signal })).catch((e: unknown) => e));
    await clock.advance(10);
    ac.abort(new Error('caller'));
    for (const w of waiting) expect(((await w) as Error).message).toBe('caller'); // their shares go back with the next admission
    redis.fault = 'lost-reply';
    // The next call could go elsewhere: it takes only what is there now (nothing), carries the give-backs, and its answer is lost.
    const next = Promise.resolve(limiter.admit('m', { spillTo: ['b'] }));
    await clock.advance(100);
    await expect(next).resolves.toBeTypeOf('function'); // admitted locally
    expect(level()).toBeCloseTo(0.01, 6); // −2 (the aborted calls), 10 ms of refill, their 2 back
    redis.fault = 'none';
    redis.resend(); // twice: 2.01, and a call taken that nobody sends: a request's room the provider does not have
    expect(level()).toBeCloseTo(0.01, 6);
    limiter.dispose();
  });
});
