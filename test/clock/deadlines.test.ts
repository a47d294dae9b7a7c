import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Clock, type TimerHandle, systemClock } from '../../src/clock/clock.js';
import { Deadlines } from '../../src/clock/deadlines.js';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

afterEach(() => vi.useRealTimers());

describe('Deadlines: many deadlines on one clock timer', () => {
  it('fires each deadline at its own time on the fake clock, earliest first, ties in the order added', async () => {
    const clock = createFakeClock();
    const d = new Deadlines(clock);
    const t0 = clock.now();
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now() - t0}`);
    d.add(t0 + 300, at('c'));
    d.add(t0 + 100, at('a'));
    d.add(t0 + 300, at('d'));
    d.add(t0 + 200, at('b'));
    expect(clock.pending()).toBe(1); // one timer for four deadlines
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual(['a@100']);
    await clock.advance(100);
    expect(fired).toEqual(['a@100', 'b@200']);
    await clock.advance(100);
    expect(fired).toEqual(['a@100', 'b@200', 'c@300', 'd@300']);
    expect(clock.pending()).toBe(0);
    expect(d.size).toBe(0);
  });

  it('a removed deadline never fires; the last removal clears a timer the clock cannot release', async () => {
    const clock = createFakeClock();
    const d = new Deadlines(clock);
    const a = vi.fn();
    const b = vi.fn();
    const ea = d.add(clock.now() + 100, a);
    const eb = d.add(clock.now() + 200, b);
    d.remove(ea);
    d.remove(ea); // twice: nothing
    expect(clock.pending()).toBe(1);
    d.remove(eb);
    expect(clock.pending()).toBe(0);
    await clock.advance(1_000);
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
  });

  it('an earlier deadline re-arms the timer; a later one touches no timer', () => {
    const set = vi.fn();
    const clear = vi.fn();
    const base = createFakeClock();
    const clock: Clock = {
      now: () => base.now(),
      setTimeout: (fn, ms, o) => (set(ms), base.setTimeout(fn, ms, o)),
      clearTimeout: (h) => (clear(), base.clearTimeout(h)),
    };
    const d = new Deadlines(clock);
    d.add(base.now() + 500, () => {});
    d.add(base.now() + 800, () => {});
    expect(set.mock.calls).toEqual([[500]]);
    d.add(base.now() + 200, () => {});
    expect(set.mock.calls).toEqual([[500], [200]]);
    expect(clear).toHaveBeenCalledTimes(1);
  });

  it('on a clock that can release a timer, the idle timer stays armed without holding the process, and holds it again for the next deadline', async () => {
    const base = createFakeClock();
    const holds: boolean[] = [];
    let armed = 0;
    const clock: Clock = {
      now: () => base.now(),
      setTimeout: (fn, ms, o) => (armed++, base.setTimeout(fn, ms, o)),
      clearTimeout: (h) => base.clearTimeout(h),
      keepAlive: (_h: TimerHandle, on: boolean) => holds.push(on),
    };
    const d = new Deadlines(clock);
    const fired = vi.fn();
    const e = d.add(base.now() + 1_000, fired);
    d.remove(e);
    expect(holds).toEqual([false]);
    expect(base.pending()).toBe(1); // still armed, not holding
    d.add(base.now() + 1_500, fired); // a sequential caller's next attempt
    expect(holds).toEqual([false, true]);
    expect(armed).toBe(1);
    await base.advance(1_000); // the early timer finds nothing due and re-arms for the live deadline
    expect(fired).not.toHaveBeenCalled();
    await base.advance(500);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(base.pending()).toBe(0);
  });

  it('dispose() clears the timer and fires nothing; later deadlines are not armed', async () => {
    const clock = createFakeClock();
    const d = new Deadlines(clock);
    const fired = vi.fn();
    d.add(clock.now() + 100, fired);
    d.dispose();
    expect(clock.pending()).toBe(0);
    d.add(clock.now() + 50, fired);
    expect(clock.pending()).toBe(0);
    await clock.advance(1_000);
    expect(fired).not.toHaveBeenCalled();
  });

  it('on the system clock, a deadline holds the process and an idle sweep does not (ref / unref, no re-arm)', () => {
    vi.useFakeTimers();
    const d = new Deadlines(systemClock);
    const e = d.add(Date.now() + 1_000, () => {});
    const timer = vi.getTimerCount();
    expect(timer).toBe(1);
    d.remove(e);
    expect(vi.getTimerCount()).toBe(1); // kept armed, unref'd
    d.add(Date.now() + 2_000, () => {});
    expect(vi.getTimerCount()).toBe(1);
    d.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('attempt timeouts through the client share one timer', () => {
  it('concurrent attempts with a timeout arm one clock timer, each still times out at its own time', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m'], clock, retry: false, monitor: false, timeoutMs: 1_000 });
    const never = () => new Promise<never>(() => {});
    const first = client.run(never).then(
      () => 'resolved',
      (e: Error) => `${e.name}@${clock.now()}`,
    );
    await clock.advance(400);
    const second = client.run(never).then(
      () => 'resolved',
      (e: Error) => `${e.name}@${clock.now()}`,
    );
    await clock.flush();
    expect(clock.pending()).toBe(1);
    const t0 = clock.now() - 400;
    await clock.advance(600);
    expect(await first).toBe(`AllModelsFailedError@${t0 + 1_000}`);
    await clock.advance(400);
    expect(await second).toBe(`AllModelsFailedError@${t0 + 1_400}`);
    expect(clock.pending()).toBe(0);
    client.dispose();
  });

  it('dispose() clears the shared timer of attempts in flight', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m'], clock, retry: false, monitor: false, timeoutMs: 5_000 });
    const pending = client.run(() => new Promise<never>(() => {})).catch((e: Error) => e.name);
    await clock.flush();
    expect(clock.pending()).toBe(1);
    client.dispose();
    expect(clock.pending()).toBe(0);
    expect(await pending).toBe('DisposedError');
  });
});
