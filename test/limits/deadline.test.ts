import { afterEach, describe, expect, it } from 'vitest';
import { isNoCapacityError, isQueueFullError } from '../../src/index.js';
import { type Limiter, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';
import { track } from './track.js';

const refusal = (p: Promise<unknown> | unknown) => Promise.resolve(p).then(() => undefined, (e: unknown) => e);

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

/** A model with no request left whose limit refills one request every `perRequestMs`. */
function full(perRequestMs: number, options: Parameters<typeof createLimiter>[0] = undefined) {
  const clock = createFakeClock();
  limiter = createLimiter(options, { clock });
  limiter.observe('m', { observedAt: clock.now(), requests: { limit: 60_000 / perRequestMs, remaining: 0 } });
  return { clock, limiter };
}

describe('a call that states its deadline', () => {
  it('waits by its deadline, not by maxWaitMs', async () => {
    const { clock, limiter: l } = full(10_000, { maxWaitMs: 5_000 });
    const call = track(l.admit('m', { deadline: clock.now() + 30_000 }));
    await clock.advance(9_999);
    expect(call.done).toBe(false);
    await clock.advance(1);
    expect(typeof call.value).toBe('function');
    // Without a deadline the same wait is still refused by maxWaitMs.
    expect(await refusal(l.admit('m'))).toMatchObject({ reason: 'wait_limit', waitMs: 10_000 });
  });

  it('is refused at once, with retryAfterMs, when its wait plus the expected latency passes the deadline', async () => {
    const { clock, limiter: l } = full(1_000);
    const late = await refusal(l.admit('m', { deadline: clock.now() + 1_500, expectedMs: () => 800 }));
    expect(isNoCapacityError(late)).toBe(true);
    expect(late).toMatchObject({ model: 'm', reason: 'deadline', waitMs: 1_000, retryAfterMs: 1_000 });
    expect(clock.pending()).toBe(0); // nothing waits, nothing was sent
    // The same call with time for its latency waits and is admitted.
    const inTime = track(l.admit('m', { deadline: clock.now() + 1_800, expectedMs: () => 800 }));
    await clock.advance(1_000);
    expect(typeof inTime.value).toBe('function');
  });

  it('an unknown latency counts as none: only the deadline bounds the wait', async () => {
    const { clock, limiter: l } = full(1_000);
    const call = track(l.admit('m', { deadline: clock.now() + 1_000, expectedMs: () => undefined }));
    await clock.advance(1_000);
    expect(typeof call.value).toBe('function');
  });

  it('waiting calls go earliest deadline first: a later call with an earlier deadline takes the turn', async () => {
    const { clock, limiter: l } = full(10_000);
    const relaxed = track(l.admit('m', { deadline: clock.now() + 100_000 }));
    const urgent = track(l.admit('m', { deadline: clock.now() + 15_000 })); // would wait 20 s in arrival order: past its deadline
    await clock.advance(10_000);
    expect(typeof urgent.value).toBe('function');
    expect(relaxed.done).toBe(false);
    await clock.advance(10_000);
    expect(typeof relaxed.value).toBe('function');
  });

  it('a call whose deadline it would pass is refused when it cannot be moved, and the turn goes to the earlier deadline', async () => {
    const { clock, limiter: l } = full(10_000);
    const first = track(l.admit('m', { deadline: clock.now() + 12_000 }));
    const urgent = track(l.admit('m', { deadline: clock.now() + 11_000 }));
    await clock.advance(0);
    expect(first.done && isNoCapacityError(first.error) && first.error.reason).toBe('deadline'); // moved to 20 s it would pass 12 s
    await clock.advance(10_000);
    expect(typeof urgent.value).toBe('function');
  });

  it('keeps the turn of a call without a deadline (it is bounded by maxWaitMs, and never moved for one)', async () => {
    const { clock, limiter: l } = full(10_000);
    const plain = track(l.admit('m'));
    const stated = track(l.admit('m', { deadline: clock.now() + 25_000 }));
    await clock.advance(10_000);
    expect(typeof plain.value).toBe('function');
    expect(stated.done).toBe(false);
    await clock.advance(10_000);
    expect(typeof stated.value).toBe('function');
  });

  it('whose turn comes too late to finish in time is refused, not sent, and its share goes back', async () => {
    const { clock, limiter: l } = full(10_000);
    let expected = 5_000;
    const call = track(l.admit('m', { deadline: clock.now() + 20_000, expectedMs: () => expected }));
    expected = 15_000; // the model slowed down while the call waited
    await clock.advance(10_000);
    expect(call.done && isNoCapacityError(call.error) && call.error).toMatchObject({ reason: 'deadline' });
    expect(l.snapshot().m!.inFlight).toBe(0);
    expect(l.available('m')).toBe(true); // the request it would have used is there for the next call
  });

  it('is bounded by its deadline, not counted against maxQueue', async () => {
    const { clock, limiter: l } = full(1_000, { maxQueue: 1 });
    const waiting = track(l.admit('m'));
    expect(isQueueFullError(await refusal(l.admit('m')))).toBe(true);
    const stated = track(l.admit('m', { deadline: clock.now() + 10_000 }));
    await clock.advance(2_000);
    expect(typeof waiting.value).toBe('function');
    expect(typeof stated.value).toBe('function');
  });

  it('is scheduled by its deadline alone: a new task is not refused for waiting over 40 s while others wait', async () => {
    const { clock, limiter: l } = full(30_000);
    const before = track(l.admit('m', { taskId: 'a', deadline: clock.now() + 120_000 }));
    const newTask = track(l.admit('m', { taskId: 'b', deadline: clock.now() + 120_000 })); // waits 60 s
    await clock.advance(0);
    expect(newTask.done).toBe(false);
    await clock.advance(60_000);
    expect(typeof before.value).toBe('function');
    expect(typeof newTask.value).toBe('function');
  });
  it('a task under way that would be refused takes the turn of a first call, which is refused instead when it cannot wait that long', async () => {
    const { clock, limiter: l } = full(10_000);
    const started = track(l.admit('m', { taskId: 'a', deadline: clock.now() + 120_000 }));
    await clock.advance(10_000);
    expect(typeof started.value).toBe('function'); // task a is under way
    const t0 = clock.now();
    const b = track(l.admit('m', { taskId: 'b', deadline: t0 + 22_000 })); // first call, its turn in 10 s
    const c = track(l.admit('m', { taskId: 'c', deadline: t0 + 24_000 })); // first call, its turn in 20 s
    // In order its turn would come in 30 s, past its 25-s deadline; both first calls have earlier deadlines.
    const a = track(l.admit('m', { taskId: 'a', deadline: t0 + 25_000 }));
    await clock.advance(0);
    expect(c.error).toMatchObject({ reason: 'over_capacity' }); // moved to 30 s, past its own 24 s: refused, not sent
    expect(a.done).toBe(false);
    await clock.advance(10_000);
    expect(typeof a.value).toBe('function'); // the task's call took b's turn
    expect(b.done).toBe(false);
    await clock.advance(10_000);
    expect(typeof b.value).toBe('function'); // and b took c's
  });
});
