import { describe, expect, it } from 'vitest';
import { isNoCapacityError } from '../../src/errors/errors.js';
import type { RateLimitInfo } from '../../src/classify/ratelimit-headers.js';
import { NEW_TASK_MAX_WAIT_MS, createLimiter } from '../../src/limits/limiter.js';
import { RedisBucketStore, type SharedAdmission, type SharedAnswer, type SharedBucketStore } from '../../src/redis/bucket-store.js';
import { SharedBuckets } from '../../src/redis/shared-buckets.js';
import type { RedisLike } from '../../src/redis/types.js';
import { createFakeClock } from '../../src/testing/index.js';

const OPTIONS = { maxWaitMs: 10_000, maxQueue: 8, minRemainingRequests: 0, retryMs: 1_000 };

/** A store the test answers by hand, recording what each admission sent. */
class ScriptedStore implements SharedBucketStore {
  readonly sent: { model: string; request: SharedAdmission }[] = [];
  answer: (request: SharedAdmission) => SharedAnswer | Promise<SharedAnswer> = () => ({ taken: true, waitMs: 0, reason: undefined, dims: {} });
  async admit(model: string, request: SharedAdmission): Promise<SharedAnswer> {
    this.sent.push({ model, request });
    return this.answer(request);
  }
}

function setup(store: SharedBucketStore = new ScriptedStore()) {
  const clock = createFakeClock();
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  const emitter = { wants: () => true, emit: (name: string, payload: unknown) => events.push({ name, payload: payload as Record<string, unknown> }) };
  const local = createLimiter({}, { clock });
  const limiter = new SharedBuckets(store, local, { clock, emitter, options: OPTIONS });
  return { clock, events, local, limiter };
}

const info = (now: number, remaining: number, limit = 60): RateLimitInfo => ({ observedAt: now, requests: { limit, remaining } }) as RateLimitInfo;

describe('SharedBuckets: admission on a shared store, decisions local', () => {
  it('sends the call’s units and the headers seen since, on its next admission of that model (no extra round trip)', async () => {
    const store = new ScriptedStore();
    const { limiter, clock } = setup(store);
    limiter.observe('m', info(clock.now(), 41));
    expect(store.sent).toHaveLength(0);
    await limiter.admit('m', { weight: { inputTokens: 100, outputTokens: 20 } });
    expect(store.sent).toHaveLength(1);
    const dims = store.sent[0]!.request.dims;
    expect(dims.requests).toMatchObject({ take: 1, need: 1, reading: { remaining: 41, limit: 60 } });
    expect(dims.tokens).toMatchObject({ take: 120 });
    expect(dims.inputTokens).toMatchObject({ take: 100 });
    expect(dims.outputTokens).toMatchObject({ take: 20 });
    await limiter.admit('m');
    expect(store.sent[1]!.request.dims.requests?.reading).toBeUndefined();
  });

  it('finished calls give back, with the next admission, the output they did not write and the input their estimate counted beyond the real one, with the earliest end', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: { inputTokens: { level: 10_000, limit: 20_000 }, outputTokens: { level: 5_000, limit: 8_000 } } });
    const { limiter, clock } = setup(store);
    const weight = { inputTokens: 3_000, outputTokens: 500 };
    await limiter.admit('claude', { weight });
    const ended = clock.now();
    limiter.used('claude', weight, { inputTokens: 1_000, outputTokens: 100 });
    await clock.advance(500);
    limiter.used('claude', weight, { inputTokens: 3_000, outputTokens: 300 });
    await limiter.admit('claude', { weight });
    // With the earliest end: a reading taken later already counts them, and the store does not add them again.
    expect(store.sent[1]!.request.dims.inputTokens).toMatchObject({ giveBack: 0, refund: { units: 2_000, at: ended } });
    expect(store.sent[1]!.request.dims.outputTokens).toMatchObject({ giveBack: 0, refund: { units: 600, at: ended } });
  });

  it('waits on the clock for its share when the store took it with a wait, and says so', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: true, waitMs: 500, reason: 'requests', dims: { requests: { level: -1, limit: 60 } } });
    const { limiter, clock, events } = setup(store);
    let done = false;
    const p = Promise.resolve(limiter.admit('m')).then(() => (done = true));
    await clock.advance(499);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect(events.find((e) => e.name === 'limit:wait')?.payload).toMatchObject({ model: 'm', waitMs: 500, reason: 'requests' });
  });

  it('a call with a deadline waits at most until it could still finish by it, and is refused, not sent, when its turn comes too late', async () => {
    const store = new ScriptedStore();
    const { limiter, clock } = setup(store);
    // Its deadline less the model's expected latency is what the store may make it wait: 8 s − 3 s.
    await limiter.admit('m', { deadline: clock.now() + 8_000, expectedMs: () => 3_000 });
    expect(store.sent[0]!.request.maxWaitMs).toBe(5_000);
    // A far deadline lifts maxWaitMs on the shared buckets too.
    await limiter.admit('m', { deadline: clock.now() + 100_000, expectedMs: () => 3_000 });
    expect(store.sent[1]!.request.maxWaitMs).toBe(97_000);
    // Taken with a wait; the model slowed down meanwhile: at its turn it can no longer finish in time.
    store.answer = () => ({ taken: true, waitMs: 4_000, reason: 'requests', dims: { requests: { level: -1, limit: 60 } } });
    let expected = 3_000;
    const late = Promise.resolve(limiter.admit('m', { deadline: clock.now() + 8_000, expectedMs: () => expected })).catch((e: unknown) => e);
    await clock.advance(0);
    expected = 6_000;
    await clock.advance(4_000);
    expect(await late).toMatchObject({ reason: 'deadline' });
    expect(isNoCapacityError(await late)).toBe(true);
  });

  it('spills locally: with a later model that has room it asks the store to take only what fits now', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: false, waitMs: 800, reason: 'requests', dims: { requests: { level: 0, limit: 60 } } });
    const { limiter } = setup(store);
    const err = await Promise.resolve(limiter.admit('a', { spillTo: ['b'] })).catch((e: unknown) => e);
    expect(isNoCapacityError(err) && err.reason).toBe('spill');
    expect(store.sent[0]!.request.maxWaitMs).toBe(0);
    // It leaves the burst beyond a short window's part to calls with nowhere else to go.
    expect(store.sent[0]!.request.keep).toBe(true);
    // Without a later model the same answer is a wait bound.
    store.answer = () => ({ taken: false, waitMs: 20_000, reason: 'requests', dims: {} });
    const bound = await Promise.resolve(limiter.admit('a')).catch((e: unknown) => e);
    expect(isNoCapacityError(bound) && bound.reason).toBe('wait_limit');
    expect(store.sent[1]!.request.maxWaitMs).toBe(OPTIONS.maxWaitMs);
    expect(store.sent[1]!.request.keep).toBe(false);
  });

  it('spills, as one process does, to a later model that can serve sooner by the store’s last answers, though neither has room now', async () => {
    const store = new ScriptedStore();
    const { limiter } = setup(store);
    // The store's last answers: 'a' 30 requests behind (30 s at 60 a minute), 'b' 5 behind (5 s).
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: { requests: { level: -30, limit: 60 } } });
    await limiter.admit('a');
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: { requests: { level: -5, limit: 60 } } });
    await limiter.admit('b');
    expect(limiter.available('b')).toBe(false);
    store.answer = () => ({ taken: false, waitMs: 31_000, reason: 'requests', dims: { requests: { level: -31, limit: 60 } } });
    const err = await Promise.resolve(limiter.admit('a', { spillTo: ['b'] })).catch((e: unknown) => e);
    expect(isNoCapacityError(err) && err.reason).toBe('spill');
    expect(store.sent.at(-1)!.request).toMatchObject({ maxWaitMs: 0, keep: true });
    // A later model that would serve later keeps the call here, to wait.
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: { requests: { level: -40, limit: 60 } } });
    await limiter.admit('b');
    store.answer = () => ({ taken: true, waitMs: 31_000, reason: 'requests', dims: { requests: { level: -32, limit: 60 } } });
    const waiting = Promise.resolve(limiter.admit('a', { spillTo: ['b'] })).catch((e: unknown) => e);
    await Promise.resolve();
    expect(store.sent.at(-1)!.request).toMatchObject({ maxWaitMs: OPTIONS.maxWaitMs, keep: false });
    limiter.dispose();
    expect((await waiting) as Error).toMatchObject({ name: 'DisposedError' });
  });

  it('a call aborted while it waits gives its share back with the next admission', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: true, waitMs: 1_000, reason: 'requests', dims: { requests: { level: -1, limit: 60 } } });
    const { limiter, clock } = setup(store);
    const ac = new AbortController();
    const p = Promise.resolve(limiter.admit('m', { signal: ac.signal })).catch((e: unknown) => e);
    await clock.advance(10);
    ac.abort(new Error('caller'));
    expect(((await p) as Error).message).toBe('caller');
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: {} });
    await limiter.admit('m');
    expect(store.sent[1]!.request.dims.requests?.giveBack).toBe(1);
  });

  it('reads later models’ room from the store’s last answer (refilled on the clock)', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: { requests: { level: 0, limit: 60 } } });
    const { limiter, clock } = setup(store);
    await limiter.admit('b');
    expect(limiter.available('b')).toBe(false);
    await clock.advance(1_000); // one request per second refills
    expect(limiter.available('b')).toBe(true);
    expect(limiter.snapshot().b?.requests).toMatchObject({ available: 1, capacity: 60, perMinute: 60 });
  });

  it('keeps state for at most 10,000 models (names can come from callers)', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: { requests: { level: 5, limit: 60 } } });
    const { limiter } = setup(store);
    for (let i = 0; i < 10_005; i++) await limiter.admit(`m${i}`);
    const models = Object.keys(limiter.snapshot());
    expect(models).toHaveLength(10_000);
    expect(models).not.toContain('m0');
    expect(models).toContain('m10004');
  });

  it('a 429 whose own headers still showed room is told to the store at once, so every process’s burst shrinks', async () => {
    const store = new ScriptedStore();
    const { limiter, clock } = setup(store);
    await clock.advance(5_000);
    // A window the headers do not describe is full: the minute bucket still had 30 of 60 requests.
    limiter.observe('m', info(clock.now(), 30));
    limiter.throttled('m', 1_000, 1);
    const at = clock.now();
    // One round trip that takes nothing (a look), with the 429's time, dimension and the share used.
    expect(store.sent).toHaveLength(1);
    expect(store.sent[0]!.request).toMatchObject({ now: at, maxWaitMs: -1, cutAt: at, cutDim: 'requests' });
    expect(store.sent[0]!.request.cutTo).toBeCloseTo(29 / 60, 9);
    expect(store.sent[0]!.request.dims.requests).toMatchObject({ take: 0, need: 0 });
    await clock.advance(1_000);
    await limiter.admit('m');
    expect(store.sent[1]!.request.cutAt).toBeUndefined();
  });

  it('the dimension its headers showed most used is the one named (Anthropic: input, output, not the combined tokens)', async () => {
    const store = new ScriptedStore();
    const { limiter, clock } = setup(store);
    limiter.observe('m', {
      observedAt: clock.now(),
      requests: { limit: 100, remaining: 90 },
      tokens: { limit: 1_000, remaining: 100 },
      inputTokens: { limit: 10_000, remaining: 6_000 },
      outputTokens: { limit: 1_000, remaining: 900 },
    } as RateLimitInfo);
    limiter.throttled('m', 1_000, { inputTokens: 10, outputTokens: 10 });
    expect(store.sent[0]!.request).toMatchObject({ cutDim: 'inputTokens' });
    expect(store.sent[0]!.request.cutTo).toBeCloseTo(3_999 / 10_000, 9);
  });

  it('when the store cannot take the report, the 429 rides on the next admission instead', async () => {
    const store = new ScriptedStore();
    const { limiter, clock } = setup(store);
    store.answer = () => Promise.reject(new Error('down'));
    limiter.observe('m', info(clock.now(), 30));
    limiter.throttled('m', 1_000, 1);
    const at = clock.now();
    await clock.advance(1_000); // the store is tried again after retryMs
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, dims: {} });
    await limiter.admit('m');
    expect(store.sent.map((s) => s.request.cutAt)).toEqual([at, at]);
    expect(store.sent[1]!.request.maxWaitMs).toBeGreaterThanOrEqual(0);
  });

  it('a 429 its headers explain (no room left), or one with older headers, shrinks nothing', async () => {
    const store = new ScriptedStore();
    const { limiter, clock } = setup(store);
    limiter.observe('m', info(clock.now(), 0));
    limiter.throttled('m', 1_000, 1);
    await clock.advance(1_000);
    await limiter.admit('m');
    limiter.observe('m', info(clock.now(), 30));
    await clock.advance(10);
    limiter.throttled('m', 1_000, 1); // its own headers did not arrive: nothing to tell
    await clock.advance(1_000);
    await limiter.admit('m');
    expect(store.sent.map((s) => s.request.cutAt)).toEqual([undefined, undefined]);
  });

  it('reads the room from the shared burst: capacity is the store’s, not the whole limit', async () => {
    const store = new ScriptedStore();
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, burst: 0.125, dims: { requests: { level: 0, limit: 60, capacity: 7.5 } } });
    const { limiter, clock } = setup(store);
    await limiter.admit('b');
    await clock.advance(60_000);
    expect(limiter.snapshot().b?.requests).toMatchObject({ available: 7, capacity: 7.5, perMinute: 60 });
  });

  it('a burst a hidden window cut on one model caps the others’ with their next admissions (no extra round trip)', async () => {
    const store = new ScriptedStore();
    const { limiter } = setup(store);
    await limiter.admit('a');
    expect(store.sent[0]!.request.burstAtMost).toBeUndefined();
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, burst: 0.125, dims: { requests: { level: 5, limit: 60, capacity: 7.5 } } });
    await limiter.admit('b');
    store.answer = () => ({ taken: true, waitMs: 0, reason: undefined, burst: 1, dims: {} });
    await limiter.admit('a');
    expect(store.sent.map((s) => s.request.burstAtMost)).toEqual([undefined, undefined, 0.125]);
    expect(store.sent).toHaveLength(3);
  });

  it('a 429 holds the model in this process: calls spill while a later model has room', async () => {
    const { limiter } = setup();
    limiter.throttled('a', 2_000);
    const err = await Promise.resolve(limiter.admit('a', { spillTo: ['b'] })).catch((e: unknown) => e);
    expect(isNoCapacityError(err) && err.reason).toBe('spill');
  });
});

describe('SharedBuckets: demand above capacity', () => {
  it('a new task’s first call waits at most 40 s while this process has calls waiting; a task under way waits up to maxWaitMs', async () => {
    const store = new ScriptedStore();
    const clock = createFakeClock();
    const limiter = new SharedBuckets(store, createLimiter({}, { clock }), { clock, options: { ...OPTIONS, maxWaitMs: 90_000 } });
    await limiter.admit('m', { taskId: 't1' }); // admitted now: t1 is under way
    store.answer = () => ({ taken: true, waitMs: 5_000, reason: 'requests', dims: {} });
    void limiter.admit('m'); // one call waits in this process
    await clock.flush();
    store.answer = (r) => ({ taken: r.maxWaitMs >= 50_000, waitMs: 50_000, reason: 'requests', dims: {} });
    const fresh = await Promise.resolve(limiter.admit('m', { taskId: 't2' })).catch((e: unknown) => e);
    expect(store.sent.at(-1)!.request.maxWaitMs).toBe(NEW_TASK_MAX_WAIT_MS);
    expect(isNoCapacityError(fresh) && fresh.reason).toBe('over_capacity');
    expect(fresh).toMatchObject({ waitMs: 50_000, retryAfterMs: 50_000 });
    const next = limiter.admit('m', { taskId: 't1' });
    await clock.flush();
    expect(store.sent.at(-1)!.request.maxWaitMs).toBe(90_000);
    await clock.advance(50_000);
    await expect(Promise.resolve(next)).resolves.toBeTypeOf('function');
    limiter.dispose();
  });
});

describe('SharedBuckets when the store cannot answer', () => {
  it('Redis that does not answer: the call is admitted locally after timeoutMs, one store:degraded, no Redis until retryMs, then back', async () => {
    let answer = false;
    let calls = 0;
    const redis: RedisLike = {
      status: 'ready',
      evalsha: () => {
        calls++;
        return answer ? Promise.resolve([1, 0, 0, '1.000000', '', '', '', '', '', '', '', '']) : new Promise(() => {});
      },
      eval: () => new Promise(() => {}),
    };
    const clock = createFakeClock();
    const events: string[] = [];
    const emitter = { wants: () => true, emit: (name: string) => events.push(name) };
    const limiter = new SharedBuckets(new RedisBucketStore(redis, clock, { prefix: 't:', timeoutMs: 100 }), createLimiter({}, { clock }), { clock, emitter, options: OPTIONS });
    let admitted = false;
    const p = Promise.resolve(limiter.admit('m')).then(() => (admitted = true));
    await clock.advance(99);
    expect(admitted).toBe(false);
    await clock.advance(1);
    await p;
    expect(events).toEqual(['store:degraded']);
    // Degraded: admissions are local and synchronous, nothing is sent.
    expect(typeof limiter.admit('m')).toBe('function');
    expect(calls).toBe(1);
    await clock.advance(1_000);
    answer = true;
    await limiter.admit('m');
    expect(calls).toBe(2);
    expect(events).toEqual(['store:degraded', 'store:recovered']);
  });

  it('a dropped connection is local at once, without waiting for the timeout', async () => {
    const redis: RedisLike = { status: 'reconnecting', evalsha: () => Promise.reject(new Error('x')), eval: () => Promise.reject(new Error('x')) };
    const clock = createFakeClock();
    const limiter = new SharedBuckets(new RedisBucketStore(redis, clock, { prefix: 't:', timeoutMs: 100 }), createLimiter({}, { clock }), { clock, options: OPTIONS });
    await expect(Promise.resolve(limiter.admit('m'))).resolves.toBeTypeOf('function');
  });
});
