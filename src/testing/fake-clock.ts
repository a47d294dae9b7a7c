import type { Clock, TimerHandle } from '../clock/clock.js';
import { modulesLoading } from '../clock/on-demand.js';

interface FakeTimer {
  readonly id: number;
  readonly due: number;
  readonly delayMs: number;
  readonly fn: () => void;
}

/** A timer waiting on the fake clock, as {@link FakeClock.waitForTimer} reports it. */
export interface PendingTimer {
  /** The delay it was set with, in ms. */
  readonly delayMs: number;
  /** Fake time at which it falls due. */
  readonly dueAt: number;
}

export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due in order of
   * due time (ties in creation order). Between timers, and after the last one,
   * pending promise chains are allowed to settle, so a timer armed by a
   * callback of an earlier one also fires if it falls due within the window.
   */
  advance(ms: number): Promise<void>;
  /** Advances to the next due timer and fires it; resolves false when none is pending. */
  next(): Promise<boolean>;
  /** Lets pending promise chains settle without moving time. */
  flush(): Promise<void>;
  /** Number of timers waiting to fire. */
  pending(): number;
  /** Sets the current time without firing anything (use before the code under test starts). */
  set(epochMs: number): void;
  /**
   * Resolves when a timer matching `filter` is pending — at once if one already
   * is, else as soon as one is set. For tests with real I/O (a loopback HTTP
   * server), which the fake clock cannot see: wait until the code under test
   * has scheduled its wait (a backoff after the 429 arrived), then `advance`.
   * Never moves time.
   * @example
   * const retry = await clock.waitForTimer((t) => t.delayMs === 2_000);
   * await clock.advance(retry.delayMs);
   */
  waitForTimer(filter?: (timer: PendingTimer) => boolean): Promise<PendingTimer>;
}

export interface FakeClockOptions {
  /**
   * Starting time in ms since the epoch.
   * @default Date.parse('2026-01-01T00:00:00Z')
   */
  readonly start?: number | undefined;
}

// Two macrotask hops: enough for promise chains of any depth plus one layer of
// a library's own `setImmediate` / resolved-promise scheduling.
const SETTLE_HOPS = 2;

/**
 * A deterministic clock for tests. Nothing happens until the test calls
 * `advance`, `next` or `flush`; no global is patched.
 */
export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  let now = options.start ?? Date.parse('2026-01-01T00:00:00Z');
  let seq = 0;
  const timers = new Map<number, FakeTimer>();
  const waiters = new Set<{ filter: (t: PendingTimer) => boolean; resolve: (t: PendingTimer) => void }>();
  const view = (t: FakeTimer): PendingTimer => Object.freeze({ delayMs: t.delayMs, dueAt: t.due });

  const settle = async () => {
    // A dependency the library loads on first need is real I/O: wait for it, so a test's outcome never depends on the disk.
    const loading = modulesLoading();
    if (loading) await loading;
    for (let i = 0; i < SETTLE_HOPS; i++) await new Promise<void>((r) => setImmediate(r));
  };

  const earliest = (): FakeTimer | undefined => {
    let best: FakeTimer | undefined;
    for (const t of timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    }
    return best;
  };

  const fire = (t: FakeTimer) => {
    timers.delete(t.id);
    if (t.due > now) now = t.due;
    t.fn();
  };

  const clock: FakeClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const timer = { id, due: now + delay, delayMs: delay, fn };
      timers.set(id, timer);
      for (const w of waiters) {
        if (!w.filter(view(timer))) continue;
        waiters.delete(w);
        w.resolve(view(timer));
      }
      return { id } as unknown as TimerHandle;
    },
    clearTimeout(handle) {
      const id = (handle as { id?: number } | undefined)?.id;
      if (id !== undefined) timers.delete(id);
    },
    async advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance: expected a non-negative number of ms, received ${ms}`);
      const target = now + ms;
      await settle();
      for (;;) {
        const t = earliest();
        if (!t || t.due > target) break;
        fire(t);
        await settle();
      }
      now = target;
      await settle();
    },
    async next() {
      await settle();
      const t = earliest();
      if (!t) return false;
      fire(t);
      await settle();
      return true;
    },
    flush: settle,
    pending: () => timers.size,
    set(epochMs) {
      now = epochMs;
    },
    waitForTimer(filter = () => true) {
      for (const t of timers.values()) if (filter(view(t))) return Promise.resolve(view(t));
      return new Promise((resolve) => waiters.add({ filter, resolve }));
    },
  };
  return clock;
}
