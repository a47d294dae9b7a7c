// A call waiting for the limits you configure on Redis (bottleneck's shared reservoirs) waits as a
// call on the local limits does: at most `maxWaitMs`, or by its deadline, then it is refused with
// `NoCapacityError` instead of waiting until its caller gives up (a slot held by no call, after a
// dropped connection, would otherwise hold every later call of the model). The wait is bounded on the
// injected clock. Runs only with REDIS_URL set (vitest.config.ts).
import { describe, expect, it } from 'vitest';
import { NoCapacityError } from '../../../src/errors/errors.js';
import { createRedisLimiter } from '../../../src/redis/index.js';
import { createFakeClock } from '../../../src/testing/index.js';
import { suiteRedis } from './tap.js';

const { prefix: run, redis } = suiteRedis('rwait');

/** Settles `p` into a value a test can look at without awaiting it. */
function watch<T>(p: Promise<T>) {
  const seen: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
}

/** Lets real I/O (the Redis round trips bottleneck makes) happen, at most `ms` of real time, until `done`. */
async function until(done: () => boolean, ms = 2_000) {
  for (let waited = 0; !done() && waited < ms; waited += 5) await new Promise((r) => setTimeout(r, 5));
}

/** A limiter on the fake clock whose one shared slot of model `m` is held by a first call (its release returned). */
async function slotHeld(name: string, maxWaitMs: number) {
  const clock = createFakeClock();
  const limiter = createRedisLimiter(redis(), { maxWaitMs, models: { m: { maxConcurrent: 1 } } }, { clock, config: { prefix: `${run}:${name}:` } });
  const first = await limiter.admit('m');
  return { clock, limiter, first };
}

describe('a call waiting for a shared slot on Redis', () => {
  it('is refused with NoCapacityError (wait_limit) at maxWaitMs, and its slot is not kept', async () => {
    const { clock, limiter, first } = await slotHeld('a', 30_000);
    const second = watch(Promise.resolve(limiter.admit('m')));
    await clock.waitForTimer((t) => t.delayMs === 30_000); // its shared wait has begun
    await clock.advance(29_999);
    await until(() => second.settled, 40);
    expect(second.settled).toBe(false); // still waiting for the slot the first call holds
    await clock.advance(1);
    await until(() => second.settled);
    expect(second.error).toBeInstanceOf(NoCapacityError);
    expect(second.error).toMatchObject({ model: 'm', reason: 'wait_limit', waitMs: 30_000 });
    first();
    // The refused call never holds the slot: the next call gets it.
    const third = watch(Promise.resolve(limiter.admit('m')));
    await until(() => third.settled);
    expect(third.value).toBeTypeOf('function');
    (third.value as () => void)();
    limiter.dispose();
  });

  it('waits by its deadline when it states one (reason deadline)', async () => {
    const { clock, limiter, first } = await slotHeld('b', 60_000);
    const second = watch(Promise.resolve(limiter.admit('m', { deadline: clock.now() + 5_000 })));
    await clock.waitForTimer((t) => t.delayMs === 5_000);
    await clock.advance(4_999);
    await until(() => second.settled, 40);
    expect(second.settled).toBe(false);
    await clock.advance(1);
    await until(() => second.settled);
    expect(second.error).toMatchObject({ name: 'NoCapacityError', reason: 'deadline' });
    first();
    limiter.dispose();
  });

  it('is admitted when the slot frees before its bound (and the bound no longer fires)', async () => {
    const { clock, limiter, first } = await slotHeld('c', 30_000);
    const second = watch(Promise.resolve(limiter.admit('m')));
    await clock.waitForTimer((t) => t.delayMs === 30_000);
    await clock.advance(10_000);
    first();
    await until(() => second.settled);
    expect(second.value).toBeTypeOf('function');
    await clock.advance(30_000); // past the bound: nothing happens to an admitted call
    (second.value as () => void)();
    limiter.dispose();
  });

  it('counts its wait for the header buckets against maxWaitMs (the whole admission waits at most that)', async () => {
    const { clock, limiter, first } = await slotHeld('d', 30_000);
    // The provider's headers: 6 requests a minute, none left: the next call waits 10 s for the header buckets first.
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 6, remaining: 0, resetAt: clock.now() + 10_000 } });
    const second = watch(Promise.resolve(limiter.admit('m')));
    await clock.waitForTimer((t) => t.delayMs === 10_000); // waiting for the header buckets
    await clock.advance(10_000);
    await clock.waitForTimer((t) => t.delayMs === 20_000); // its shared wait has begun, with the 20 s that are left
    await clock.advance(19_999);
    await until(() => second.settled, 40);
    expect(second.settled).toBe(false);
    await clock.advance(1);
    await until(() => second.settled);
    expect(second.error).toMatchObject({ name: 'NoCapacityError', model: 'm', reason: 'wait_limit', waitMs: 30_000 });
    first();
    limiter.dispose();
  });

  it('shows in snapshot(): the call holding the slot in flight, the one waiting for it waiting', async () => {
    const { clock, limiter, first } = await slotHeld('e', 30_000);
    expect(limiter.snapshot().m).toMatchObject({ inFlight: 1, waiting: 0 });
    const second = watch(Promise.resolve(limiter.admit('m')));
    await clock.waitForTimer((t) => t.delayMs === 30_000); // its shared wait has begun
    expect(limiter.snapshot().m).toMatchObject({ inFlight: 1, waiting: 1 });
    first();
    first(); // a release called twice counts once
    await until(() => second.settled);
    expect(limiter.snapshot().m).toMatchObject({ inFlight: 1, waiting: 0 });
    (second.value as () => void)();
    expect(limiter.snapshot().m).toMatchObject({ inFlight: 0, waiting: 0 });
    limiter.dispose();
  });
});
