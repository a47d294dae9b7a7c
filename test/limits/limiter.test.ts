import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError, isDisposedError, isNoCapacityError, isQueueFullError } from '../../src/index.js';
import { type Limiter, type LimiterEvents, type Release, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';
import { track } from './track.js';

function recorder() {
  const events: LimiterEvents['limit:wait'][] = [];
  return { events, emitter: { wants: () => true, emit: (_n: 'limit:wait', p: LimiterEvents['limit:wait']) => void events.push(p) } };
}

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

describe('createLimiter: defaults', () => {
  it('is on without options, and free until a model has headers: admit returns a release synchronously', () => {
    limiter = createLimiter(undefined, { clock: createFakeClock() });
    expect(limiter.enabled).toBe(true);
    expect(typeof limiter.admit('m', { weight: 10 })).toBe('function');
    expect(limiter.snapshot()).toEqual({});
  });

  it('is off only with respectHeaders: false and no limits', () => {
    expect(createLimiter({ respectHeaders: false }).enabled).toBe(false);
    expect(createLimiter({ respectHeaders: false, default: { maxConcurrent: 2 } }).enabled).toBe(true);
  });

  it('validates options and names the path', () => {
    let err: unknown;
    try {
      createLimiter({ models: { 'gpt-x': { maxConcurrent: 0 } } });
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toContain('limits.models.gpt-x.maxConcurrent: expected a positive integer, received 0');
    expect(() => createLimiter({ maxWaitMs: -1 })).toThrow('limits.maxWaitMs: expected a non-negative number of milliseconds');
  });
});

describe('createLimiter: buckets from headers', () => {
  it('waits only for one request to refill (60 000 / limit ms), not for the full reset', async () => {
    const clock = createFakeClock();
    const { events, emitter } = recorder();
    limiter = createLimiter(undefined, { clock, emitter });
    // OpenAI says "full again in 60 s"; one request of 600 per minute is back in 100 ms.
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 600, remaining: 0, resetAt: clock.now() + 60_000 } });
    const p = track(limiter.admit('m', { taskId: 't1' }));
    await clock.advance(99);
    expect(p.done).toBe(false);
    await clock.advance(1);
    expect(p.done).toBe(true);
    expect(events).toEqual([{ timestamp: clock.now() - 100, taskId: 't1', model: 'm', waitMs: 100, reason: 'requests' }]);
  });

  it('queued calls each wait for their own share, one refill interval apart', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    const calls = [track(limiter.admit('m')), track(limiter.admit('m')), track(limiter.admit('m'))];
    const doneAt: number[] = [];
    for (let t = 0; t < 3; t++) {
      await clock.advance(1_000);
      doneAt.push(calls.filter((c) => c.done).length);
    }
    expect(doneAt).toEqual([1, 2, 3]);
  });

  it('weighs a call by its token estimate (input + output), budget or not', async () => {
    const clock = createFakeClock();
    const { events, emitter } = recorder();
    limiter = createLimiter(undefined, { clock, emitter });
    limiter.observe('m', { observedAt: clock.now(), tokens: { limit: 60_000, remaining: 3_000 } });
    const first = limiter.admit('m', { weight: { inputTokens: 1_500, outputTokens: 1_000 } });
    expect(typeof first).toBe('function');
    // 500 left; the next 2,500-token call waits for 2,000 tokens at 1 token per ms.
    const second = track(limiter.admit('m', { weight: () => ({ inputTokens: 1_500, outputTokens: 1_000 }) }));
    await clock.advance(1_999);
    expect(second.done).toBe(false);
    await clock.advance(1);
    expect(second.done).toBe(true);
    expect(events[0]).toMatchObject({ reason: 'tokens', waitMs: 2_000 });
  });

  it('Anthropic: input and output token buckets weigh their own side', async () => {
    const clock = createFakeClock();
    const { events, emitter } = recorder();
    limiter = createLimiter(undefined, { clock, emitter });
    limiter.observe('m', {
      observedAt: clock.now(),
      inputTokens: { limit: 60_000, remaining: 50_000, resetAt: clock.now() + 1_000 },
      outputTokens: { limit: 6_000, remaining: 100, resetAt: clock.now() + 59_000 },
    });
    const p = track(limiter.admit('m', { weight: { inputTokens: 1_000, outputTokens: 400 } }));
    await clock.flush();
    expect(p.done).toBe(false);
    expect(events[0]).toMatchObject({ reason: 'outputTokens', waitMs: 3_000 }); // 300 missing at 0.1 per ms
    await clock.advance(3_000);
    expect(p.done).toBe(true);
  });

  it('without a limit, the reset is when the bucket is full again', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { remaining: 0, resetAt: clock.now() + 2_000 } });
    const p = track(limiter.admit('m'));
    await clock.advance(1_999);
    expect(p.done).toBe(false);
    await clock.advance(1);
    expect(p.done).toBe(true);
  });

  it('counts what it admitted since the headers: one request left lets one call through', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 1, remaining: 1 } });
    expect(typeof limiter.admit('m')).toBe('function');
    expect(limiter.available('m')).toBe(false);
    expect(limiter.snapshot().m).toMatchObject({ requests: { available: 0, capacity: 1, perMinute: 1 }, waiting: 0 });
  });

  it('trusts the lower of its own accounting and a header (which is a latency old)', () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 2 } });
    limiter.admit('m');
    limiter.admit('m');
    // A response to a call sent before those two still says 2 remain: the two are not forgotten.
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 2 } });
    expect(limiter.available('m')).toBe(false);
    // Another process drained the bucket: a lower header wins.
    limiter.observe('n', { observedAt: clock.now(), requests: { limit: 60, remaining: 30 } });
    limiter.observe('n', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    expect(limiter.available('n')).toBe(false);
  });

  it('a 429 gives the refused call’s share back; one its headers do not explain empties the buckets and cuts the burst to the share they showed used', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 1 } });
    limiter.admit('m');
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } }); // the 429's headers: explained
    limiter.throttled('m', 0, 1);
    expect(limiter.snapshot().m!.requests).toMatchObject({ available: 1, capacity: 60 });
    limiter.admit('m');
    // A 429 while its headers still show 40 requests left: a shorter window is enforced. From a full
    // bucket the hidden window and the minute one drain alike, so the 19 used (all but the refused call)
    // are what that window holds: the burst falls to 19 at once (halving it, to 30, took two more 429s).
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 40 } });
    limiter.throttled('m', 0, 1);
    expect(limiter.snapshot().m!.requests).toMatchObject({ available: 0, capacity: 19 });
    // Later headers keep the smaller burst.
    await clock.advance(60_000);
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 60 } });
    expect(limiter.snapshot().m!.requests).toMatchObject({ capacity: 19, perMinute: 60 });
    // A second such 429 at least halves it again (its headers showing 14 used).
    limiter.admit('m');
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 45 } });
    limiter.throttled('m', 0, 1);
    expect(limiter.snapshot().m!.requests).toMatchObject({ capacity: 9.5 });
  });

  it('a shorter window learned on one model is assumed on the client’s other models: a fallback’s first burst fits it', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('primary', { observedAt: clock.now(), requests: { limit: 100, remaining: 100 } });
    limiter.admit('primary');
    // Headers showing 83 of 100 left on a 429: the provider enforces a window of about a sixth of the limit.
    limiter.observe('primary', { observedAt: clock.now(), requests: { limit: 100, remaining: 83 } });
    limiter.throttled('primary', 0, 1);
    // The backup takes over: its first headers show its limit of 150 nearly full, and its burst is a
    // sixth of it, not all 150 the same provider would refuse after 25.
    limiter.admit('backup');
    limiter.observe('backup', { observedAt: clock.now(), requests: { limit: 150, remaining: 149 } });
    expect(limiter.snapshot().backup!.requests).toMatchObject({ capacity: 24, perMinute: 150 });
    expect(limiter.snapshot().backup!.requests!.available).toBeLessThanOrEqual(24);
  });

  it('ignores headers older than the ones it has', () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    limiter.observe('m', { observedAt: clock.now() - 1, requests: { limit: 60, remaining: 50 } });
    expect(limiter.available('m')).toBe(false);
  });

  it('a configured limit below the provider’s stays the cap; headers only lower its level', () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 2 } }, { clock });
    limiter.admit('m');
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 1_000, remaining: 900 } });
    limiter.admit('m');
    expect(limiter.available('m')).toBe(false);
    expect(limiter.snapshot().m!.requests).toMatchObject({ capacity: 2, perMinute: 2 });
  });
});

describe('createLimiter: bounds', () => {
  it('a model forgotten and called again starts from a state of its own', () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    (limiter.admit('m') as Release)();
    (limiter.admit('m') as Release)();
    limiter.forget?.('m');
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 600, remaining: 10 } });
    expect(Object.keys(limiter.snapshot())).toEqual(['m']);
    limiter.dispose();
    limiter = createLimiter(undefined, { clock });
    expect(limiter.snapshot()).toEqual({});
  });

  it('configured limits seed the bucket before any header', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 4 } }, { clock });
    expect(typeof limiter.admit('a')).toBe('function');
    expect(typeof limiter.admit('a')).toBe('function');
    expect(typeof limiter.admit('a')).toBe('function');
    expect(typeof limiter.admit('a')).toBe('function');
    expect(typeof limiter.admit('b')).toBe('function');
    const third = track(limiter.admit('a'));
    await clock.advance(14_999);
    expect(third.done).toBe(false);
    await clock.advance(1);
    expect(third.done).toBe(true);
  });

  it('refuses at once a wait longer than maxWaitMs, and one past the deadline', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ maxWaitMs: 5_000 }, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 6, remaining: 0 } }); // 10 s per request
    const tooLong = await Promise.resolve(limiter.admit('m')).catch((e: unknown) => e);
    expect(isNoCapacityError(tooLong)).toBe(true);
    expect(tooLong).toMatchObject({ model: 'm', waitMs: 10_000, retryAfterMs: 10_000, reason: 'wait_limit' });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } }); // 1 s per request
    const late = await Promise.resolve(limiter.admit('m', { deadline: clock.now() + 500 })).catch((e: unknown) => e);
    expect(late).toMatchObject({ reason: 'deadline', waitMs: 1_000 });
    expect(clock.pending()).toBe(0); // refused without a timer
  });

  it('spills when a later model can serve now, and to the one whose capacity returns first', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('a', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    const spilled = await Promise.resolve(limiter.admit('a', { spillTo: ['b'] })).catch((e: unknown) => e);
    expect(spilled).toMatchObject({ reason: 'spill', model: 'a', waitMs: 1_000 });
    limiter.observe('b', { observedAt: clock.now(), requests: { limit: 6, remaining: 0 } });
    // b is slower to refill (10 s) than a (1 s): the call waits on a.
    const waits = track(limiter.admit('a', { spillTo: ['b'] }));
    await clock.advance(1_000);
    expect(waits.done && typeof waits.value).toBe('function');
  });

  it('after a 429, steers calls to a later model for its Retry-After (a second without one); with none, sends', async () => {
    const clock = createFakeClock();
    const { events, emitter } = recorder();
    limiter = createLimiter(undefined, { clock, emitter });
    limiter.throttled('m', 2_500);
    expect(limiter.available('m')).toBe(false);
    expect(limiter.snapshot().m!.heldForMs).toBe(2_500);
    const spilled = await Promise.resolve(limiter.admit('m', { spillTo: ['n'] })).catch((e: unknown) => e);
    expect(spilled).toMatchObject({ reason: 'spill', waitMs: 2_500 });
    // A later model held too is no better: the call is sent, the provider's answer decides.
    limiter.throttled('n', 5_000);
    expect(typeof limiter.admit('m', { spillTo: ['n'] })).toBe('function');
    expect(events).toEqual([]);
    await clock.advance(2_500);
    expect(limiter.available('m')).toBe(true);
    limiter.throttled('m', undefined);
    await clock.advance(999);
    expect(limiter.available('m')).toBe(false);
    await clock.advance(1);
    expect(limiter.available('m')).toBe(true);
  });

  it('caps concurrency per model; a waiter gets the released slot, or fails at the wait bound', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { maxConcurrent: 1 }, maxWaitMs: 1_000 }, { clock });
    const first = limiter.admit('m') as Release;
    const second = track(limiter.admit('m'));
    const other = limiter.admit('n');
    expect(typeof other).toBe('function');
    await clock.flush();
    expect(second.done).toBe(false);
    first();
    first(); // idempotent
    await clock.flush();
    expect(second.done).toBe(true);
    const third = track(limiter.admit('m'));
    await clock.advance(1_000);
    expect(third.error).toMatchObject({ reason: 'wait_limit' });
  });

  it('gives a slot back once per call, with headers followed: admitted at once by a bucket, and after a wait', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { maxConcurrent: 1, requestsPerMinute: 6_000 }, maxWaitMs: 1_000 }, { clock });
    const first = limiter.admit('m') as Release; // a configured rate: the general path, listed in flight
    const second = track(limiter.admit('m'));
    first();
    first(); // idempotent: one slot back
    await clock.flush();
    expect(second.done).toBe(true);
    const third = track(limiter.admit('m'));
    const fourth = track(limiter.admit('m'));
    await clock.flush();
    expect(third.done).toBe(false);
    second.value!(); // admitted after a wait
    second.value!();
    await clock.flush();
    expect(third.done).toBe(true);
    expect(fourth.done).toBe(false);
    expect(limiter.snapshot().m).toMatchObject({ inFlight: 1, waiting: 1 });
  });

  it('refuses at once with QueueFullError above the high-water mark', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 60 }, maxQueue: 1 }, { clock });
    for (let i = 0; i < 60; i++) limiter.admit('m');
    const waiting = track(limiter.admit('m'));
    const refused = await Promise.resolve(limiter.admit('m')).catch((e: unknown) => e);
    expect(isQueueFullError(refused)).toBe(true);
    expect(refused).toMatchObject({ model: 'm', limit: 1 });
    expect(waiting.done).toBe(false);
  });

  it('an abort while waiting rejects with the reason and gives its share back', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    const ac = new AbortController();
    const aborted = track(limiter.admit('m', { signal: ac.signal }));
    ac.abort(new Error('caller gave up'));
    await clock.flush();
    expect((aborted.error as Error).message).toBe('caller gave up');
    expect(clock.pending()).toBe(0);
    const next = track(limiter.admit('m'));
    await clock.advance(1_000); // one interval, not two: the aborted call's share came back
    expect(next.done).toBe(true);
  });

  it('dispose rejects waiting calls with DisposedError and clears its timers', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 1 }, maxWaitMs: 120_000 }, { clock });
    limiter.admit('m');
    const waiting = track(limiter.admit('m'));
    await clock.flush();
    expect(clock.pending()).toBe(1);
    limiter.dispose();
    await clock.flush();
    expect(isDisposedError(waiting.error)).toBe(true);
    expect(clock.pending()).toBe(0);
    const late = await Promise.resolve(limiter.admit('m')).catch((e: unknown) => e);
    expect(isDisposedError(late)).toBe(true);
  });
});

describe('createLimiter: demand above capacity', () => {
  it('refuses the first call of a new task at once while calls wait, and lets the next calls of tasks under way wait', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 1 }, maxWaitMs: 600_000 }, { clock });
    expect(typeof limiter.admit('m', { taskId: 't1' })).toBe('function'); // the only request of the minute
    const second = track(limiter.admit('m', { taskId: 't2' })); // nobody waits yet: a new task may queue
    let refused: unknown;
    await Promise.resolve(limiter.admit('m', { taskId: 't3' })).catch((e: unknown) => (refused = e));
    expect(isNoCapacityError(refused)).toBe(true);
    expect(refused).toMatchObject({ reason: 'over_capacity', waitMs: 120_000, retryAfterMs: 120_000 });
    const next = track(limiter.admit('m', { taskId: 't1' })); // t1 is under way: its next call waits its turn
    const anonymous = track(limiter.admit('m')); // without a task id nothing changes
    await clock.advance(180_000);
    expect([second.done, next.done, anonymous.done]).toEqual([true, true, true]);
    expect([second.error, next.error, anonymous.error]).toEqual([undefined, undefined, undefined]);
  });
});

describe('createLimiter: tasks under way go first', () => {
  it('a call of a task under way takes the turn of a new task’s first call waiting before it', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 1 }, maxWaitMs: 600_000 }, { clock });
    expect(typeof limiter.admit('m', { taskId: 't1' })).toBe('function'); // the only request of the minute
    const fresh = track(limiter.admit('m', { taskId: 't2' })); // a new task's first call: due in 60 s
    const next = track(limiter.admit('m', { taskId: 't1' })); // t1 under way: would be due in 120 s
    await clock.advance(60_000);
    expect([next.done, fresh.done]).toEqual([true, false]);
    await clock.advance(60_000);
    expect(fresh.done).toBe(true);
    expect([next.error, fresh.error]).toEqual([undefined, undefined]);
  });

  it('keeps arrival order below capacity: a task under way that would wait only a few seconds takes no turn', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 60 } }, { clock }); // a turn every second
    limiter.admit('m', { taskId: 't1' });
    for (let i = 0; i < 59; i++) limiter.admit('m'); // the rest of the burst
    const fresh = track(limiter.admit('m', { taskId: 't2' })); // due in 1 s
    const next = track(limiter.admit('m', { taskId: 't1' })); // due in 2 s: not worth reordering
    await clock.advance(1_000);
    expect([fresh.done, next.done]).toEqual([true, false]);
    await clock.advance(1_000);
    expect(next.done).toBe(true);
  });

  it('refuses a new task’s first call rather than move it past its own wait bound: its turn goes to the task under way', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 1 }, maxWaitMs: 90_000 }, { clock });
    limiter.admit('m', { taskId: 't1' });
    const fresh = track(limiter.admit('m', { taskId: 't2' })); // due in 60 s, bound 90 s
    const next = track(limiter.admit('m', { taskId: 't1' })); // would be due in 120 s (past its bound): takes the 60 s
    await clock.flush();
    expect(fresh.error).toMatchObject({ reason: 'over_capacity', waitMs: 120_000 });
    await clock.advance(60_000);
    expect([next.done, next.error]).toEqual([true, undefined]);
    const after = track(limiter.admit('m', { taskId: 't3' })); // the refused call's share came back: one turn, not two
    await clock.advance(60_000);
    expect([after.done, after.error]).toEqual([true, undefined]);
  });

  it('makes room in a full queue for a task under way by refusing the new task that waits last', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 1 }, maxWaitMs: 600_000, maxQueue: 1 }, { clock });
    limiter.admit('m', { taskId: 't1' });
    const fresh = track(limiter.admit('m', { taskId: 't2' }));
    const next = track(limiter.admit('m', { taskId: 't1' }));
    const anonymous = await Promise.resolve(limiter.admit('m')).catch((e: unknown) => e); // still full for a call without a task
    expect(isQueueFullError(anonymous)).toBe(true);
    await clock.flush();
    expect(fresh.error).toMatchObject({ reason: 'over_capacity' });
    await clock.advance(60_000);
    expect([next.done, next.error]).toEqual([true, undefined]);
  });

  it('moves the first calls it passes one turn later each, in their order', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 12 }, maxWaitMs: 600_000 }, { clock }); // a turn every 5 s
    limiter.admit('m', { taskId: 't1' });
    for (let i = 0; i < 11; i++) limiter.admit('m'); // the rest of the burst
    const a = track(limiter.admit('m', { taskId: 'a' })); // due in 5 s
    const b = track(limiter.admit('m', { taskId: 'b' })); // due in 10 s
    const next = track(limiter.admit('m', { taskId: 't1' })); // would be due in 15 s: takes a's turn, a takes b's, b the 15 s
    await clock.advance(5_000);
    expect([next.done, a.done, b.done]).toEqual([true, false, false]);
    await clock.advance(5_000);
    expect([a.done, b.done]).toEqual([true, false]);
    await clock.advance(5_000);
    expect(b.done).toBe(true);
    expect([next.error, a.error, b.error]).toEqual([undefined, undefined, undefined]);
  });
});

describe('createLimiter: a turn the headers overtook', () => {
  it('a waiting call whose turn comes while headers show the room used by others waits for it to come back', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } }); // one request a second
    // Ten seconds alone at the limit: each second's call leaves the provider empty (no others on the key).
    for (let i = 0; i < 10; i++) {
      await clock.advance(1_000);
      (limiter.admit('m') as () => void)();
      limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    }
    const waiting = track(limiter.admit('m')); // its turn: in 1 s
    await clock.advance(500);
    // Half a second later the provider still has none left: someone else took the half request refilled.
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    await clock.advance(500);
    expect(waiting.done).toBe(false); // sent now, it would meet a 429
    await clock.advance(1_000); // the half request back (at the refill this process now allows itself: the others took some)
    expect([waiting.done, waiting.error]).toEqual([true, undefined]);
  });

  it('looks once more after that wait: a 429 meanwhile slows the refill it counted on', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    const empty = () => limiter!.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0 } });
    empty(); // one request a second
    for (let i = 0; i < 10; i++) {
      await clock.advance(1_000);
      (limiter.admit('m') as () => void)();
      empty();
    }
    let levelWhenSent: number | undefined;
    const waiting = track(Promise.resolve(limiter.admit('m')).then((release) => ((levelWhenSent = limiter!.snapshot().m!.requests!.available), release)));
    await clock.advance(500);
    empty(); // someone else took the half request refilled
    await clock.advance(500);
    expect(waiting.done).toBe(false); // its turn: it waits for the room to come back
    await clock.advance(100);
    limiter.throttled('m', 1); // another call met a 429: this process now refills more slowly
    await clock.advance(10_000);
    expect([waiting.done, waiting.error]).toEqual([true, undefined]);
    // Sent at the end of its first wait, it would have gone with the bucket still in debt: into a 429.
    expect(levelWhenSent).toBeGreaterThanOrEqual(0);
  });
});
