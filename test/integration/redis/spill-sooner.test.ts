// Where a call goes when neither model has room, on a real Redis, two processes, one fake clock.
// Runs only with REDIS_URL set (vitest.config.ts).
import { describe, expect, it } from 'vitest';
import type { RateLimitInfo } from '../../../src/classify/ratelimit-headers.js';
import { isNoCapacityError } from '../../../src/errors/errors.js';
import { createLimiter } from '../../../src/limits/limiter.js';
import { RedisBucketStore } from '../../../src/redis/bucket-store.js';
import { SharedBuckets } from '../../../src/redis/shared-buckets.js';
import { createFakeClock } from '../../../src/testing/index.js';
import { suiteRedis } from './tap.js';

const OPTIONS = { maxWaitMs: 120_000, maxQueue: 64, minRemainingRequests: 0, retryMs: 1_000 };

const { prefix: run, redis } = suiteRedis('sp');

/** Until `ok()` holds (the store's answers come in real time, a few ms each). */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
}

/** 60 requests a minute (one a second), none left. */
const empty = (at: number): RateLimitInfo => ({ observedAt: at, requests: { limit: 60, remaining: 0 } }) as RateLimitInfo;

describe('a call that could go to a later model, neither with room', () => {
  it('goes to the later model when the store’s last answers say it serves sooner, as in one process', async () => {
    const clock = createFakeClock();
    const make = () => new SharedBuckets(new RedisBucketStore(redis(), clock, { prefix: `${run}:`, timeoutMs: 5_000 }), createLimiter({}, { clock }), { clock, options: OPTIONS });
    const a = make();
    const b = make();
    const settled: Promise<unknown>[] = [];
    const admit = (p: SharedBuckets, model: string, spillTo?: string[]) => {
      const done = Promise.resolve(p.admit(model, spillTo ? { spillTo } : undefined)).catch((e: unknown) => e);
      settled.push(done);
      return done;
    };
    b.observe('first', empty(clock.now()));
    b.observe('later', empty(clock.now()));
    // Another process's calls: 20 wait on the first model (about 20 s), 2 on the later one (about 2 s).
    for (let i = 0; i < 20; i++) void admit(b, 'first');
    for (let i = 0; i < 2; i++) void admit(b, 'later');
    await until(() => b.waiting('first') === 20 && b.waiting('later') === 2);
    // This process's own last answers for both models.
    void admit(a, 'first');
    void admit(a, 'later');
    await until(() => a.waiting('first') === 1 && a.waiting('later') === 1);
    expect(a.available('later')).toBe(false);
    // About 21 s on the first model against about 3 s on the later one: it moves on.
    let answered: unknown = 'no answer';
    void admit(a, 'first', ['later']).then((e) => (answered = e));
    // Taken there instead, it would wait in this process (its fake clock does not move).
    await until(() => answered !== 'no answer' || a.waiting('first') === 2);
    expect(isNoCapacityError(answered) && answered.reason).toBe('spill');
    expect(a.waiting('first')).toBe(1);
    a.dispose();
    b.dispose();
    await Promise.all(settled);
  });
});
