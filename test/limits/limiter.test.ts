import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError, isDisposedError, isQueueFullError } from '../../src/index.js';
import { type Limiter, type LimiterEvents, type Release, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';

/** Bottleneck hands out slots on real zero-delay timers: let a few pass. */
const hops = async (n = 10) => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setTimeout(r, 1));
};

function track<T>(p: Promise<T> | T) {
  const s: { value?: T; error?: unknown; done: boolean } = { done: false };
  Promise.resolve(p).then(
    (v) => Object.assign(s, { value: v, done: true }),
    (e: unknown) => Object.assign(s, { error: e, done: true }),
  );
  return s;
}

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

describe('createLimiter', () => {
  it('is off without options: admit returns a release synchronously', () => {
    limiter = createLimiter(undefined);
    expect(limiter.enabled).toBe(false);
    const r = limiter.admit('m', { weight: 10 });
    expect(typeof r).toBe('function');
  });

  it('costs nothing for a model without limits and without headers', () => {
    limiter = createLimiter({ models: { other: { maxConcurrent: 1 } } });
    expect(typeof limiter.admit('m')).toBe('function');
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
  });

  it('caps concurrency per model', async () => {
    limiter = createLimiter({ default: { maxConcurrent: 2 } });
    const a = track(limiter.admit('m'));
    const b = track(limiter.admit('m'));
    const c = track(limiter.admit('m'));
    const other = track(limiter.admit('n'));
    await hops();
    expect([a.done, b.done, c.done, other.done]).toEqual([true, true, false, true]);
    expect(limiter.waiting('m')).toBe(1);
    (a.value as Release)();
    (a.value as Release)(); // idempotent
    await hops();
    expect(c.done).toBe(true);
  });

  it('refuses at once with QueueFullError above the high-water mark', async () => {
    limiter = createLimiter({ default: { maxConcurrent: 1 }, maxQueue: 1 });
    track(limiter.admit('m'));
    await hops();
    const waiting = track(limiter.admit('m'));
    const refused = track(limiter.admit('m'));
    await Promise.resolve();
    await Promise.resolve();
    expect(refused.done).toBe(true);
    expect(isQueueFullError(refused.error)).toBe(true);
    expect(refused.error).toMatchObject({ model: 'm', limit: 1 });
    expect(waiting.done).toBe(false);
  });

  it('requests per minute: refilled by one clock timer for all models', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 2 } }, { clock });
    const admitted = [track(limiter.admit('a')), track(limiter.admit('a')), track(limiter.admit('b'))];
    await hops();
    for (const x of admitted) (x.value as Release)();
    const third = track(limiter.admit('a'));
    await hops();
    expect(admitted.every((x) => x.done)).toBe(true);
    expect(third.done).toBe(false);
    expect(clock.pending()).toBe(1);
    await clock.advance(59_999);
    await hops();
    expect(third.done).toBe(false);
    await clock.advance(1);
    await hops();
    expect(third.done).toBe(true);
  });

  it('tokens per minute: a call weighs its reserved tokens', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { tokensPerMinute: 100 } }, { clock });
    const first = track(limiter.admit('m', { weight: 60 }));
    await hops();
    const second = track(limiter.admit('m', { weight: 60 }));
    const huge = track(limiter.admit('m', { weight: 10_000 }));
    await hops();
    expect([first.done, second.done, huge.done]).toEqual([true, false, false]);
    await clock.advance(60_000);
    await hops();
    expect(second.done).toBe(true);
    await clock.advance(60_000);
    await hops();
    expect(huge.done).toBe(true); // clamped to the whole minute rather than waiting forever
  });

  it('waits for the reset when the provider headers say no requests remain', async () => {
    const clock = createFakeClock();
    const events: LimiterEvents['limit:wait'][] = [];
    const emitter = { wants: () => true, emit: (_n: 'limit:wait', p: LimiterEvents['limit:wait']) => events.push(p) };
    limiter = createLimiter({}, { clock, emitter });
    limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60, remaining: 0, resetAt: clock.now() + 5_000 } });
    const p = track(limiter.admit('m', { taskId: 't1' }));
    await clock.advance(4_999);
    expect(p.done).toBe(false);
    await clock.advance(1);
    expect(p.done).toBe(true);
    expect(events).toEqual([{ timestamp: clock.now() - 5_000, taskId: 't1', model: 'm', waitMs: 5_000, reason: 'headers' }]);
  });

  it('counts what it admitted since the headers: one request left lets one call through', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({}, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { remaining: 1, resetAt: clock.now() + 2_000 } });
    const a = track(limiter.admit('m'));
    await clock.flush();
    const b = track(limiter.admit('m'));
    await clock.flush();
    expect([a.done, b.done]).toEqual([true, false]);
    await clock.advance(2_000);
    expect(b.done).toBe(true);
  });

  it('does not wait for a reset beyond maxHeaderWaitMs', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ maxHeaderWaitMs: 10_000 }, { clock });
    limiter.observe('m', { observedAt: clock.now(), tokens: { remaining: 0, resetAt: clock.now() + 10_001 } });
    const p = track(limiter.admit('m', { weight: 5 }));
    await clock.flush();
    expect(p.done).toBe(true);
  });

  it('ignores headers older than the ones it has', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({}, { clock });
    limiter.observe('m', { observedAt: clock.now(), requests: { remaining: 0, resetAt: clock.now() + 1_000 } });
    limiter.observe('m', { observedAt: clock.now() - 1, requests: { remaining: 50, resetAt: clock.now() + 1_000 } });
    const p = track(limiter.admit('m'));
    await clock.flush();
    expect(p.done).toBe(false);
  });

  it('an abort while queued rejects with the reason and leaks no slot', async () => {
    limiter = createLimiter({ default: { maxConcurrent: 1 } });
    const first = track(limiter.admit('m'));
    await hops();
    const ac = new AbortController();
    const aborted = track(limiter.admit('m', { signal: ac.signal }));
    ac.abort(new Error('caller gave up'));
    await hops();
    expect((aborted.error as Error).message).toBe('caller gave up');
    (first.value as Release)();
    const next = track(limiter.admit('m'));
    await hops();
    expect(next.done).toBe(true);
  });

  it('dispose rejects waiting calls with DisposedError and clears its timer', async () => {
    const clock = createFakeClock();
    limiter = createLimiter({ default: { requestsPerMinute: 1 } }, { clock });
    track(limiter.admit('m'));
    await hops();
    const waiting = track(limiter.admit('m'));
    await hops();
    expect(clock.pending()).toBe(1);
    limiter.dispose();
    await hops();
    expect(isDisposedError(waiting.error)).toBe(true);
    expect(clock.pending()).toBe(0);
    const late = await Promise.resolve(limiter.admit('m')).catch((e: unknown) => e);
    expect(isDisposedError(late)).toBe(true);
  });
});
