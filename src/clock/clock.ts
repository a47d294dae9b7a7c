/**
 * The only module that touches the global time and randomness functions.
 * Everything else in the library reads time through a {@link Clock} and
 * randomness through a {@link RandomSource}, so tests can own both.
 */

/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Runs `fn` once after `ms` milliseconds. Background timers never keep the
   * process alive (the system clock unrefs them). `keepAlive: true` is only
   * for a wait that a pending call's promise depends on (a backoff sleep, an
   * attempt timeout, an admission wait): the caller is awaiting it, so the
   * process must not exit under it, as it would not exit under the HTTP
   * request itself. A delay of any length waits that long (`Infinity`: never).
   */
  setTimeout(fn: () => void, ms: number, options?: { readonly keepAlive?: boolean }): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * Optional: makes an armed timer hold the process alive (`true`) or stop
   * holding it (`false`) without re-arming it, as `ref()` / `unref()` do on a
   * Node timer. A clock without it is fine: a timer that must stop holding the
   * process is cleared instead.
   */
  keepAlive?(handle: TimerHandle, keepAlive: boolean): void;
}

/** Returns a number in [0, 1). */
export type RandomSource = () => number;

/**
 * The longest delay one platform timer holds: Node (and browsers) fire a
 * longer one after 1 ms instead, with a `TimeoutOverflowWarning`.
 */
const MAX_TIMER_STEP_MS = 2_147_483_647;

type Native = { unref?: () => void; ref?: () => void };

// Read the globals at call time rather than at import time, so that
// `vi.useFakeTimers()` installed after import still takes effect.
function arm(fn: () => void, ms: number, keepAlive: boolean | undefined): Native {
  const handle = globalThis.setTimeout(fn, ms) as unknown as Native;
  if (!keepAlive) handle.unref?.();
  return handle;
}

/** A wait longer than one platform timer: a chain of timers, each at most {@link MAX_TIMER_STEP_MS}. */
class ChainedTimer {
  current: Native;
  keepAlive: boolean | undefined;
  constructor(fn: () => void, ms: number, keepAlive: boolean | undefined) {
    let left = ms;
    this.keepAlive = keepAlive;
    const step = (): Native => {
      if (left <= MAX_TIMER_STEP_MS) return arm(fn, left, this.keepAlive);
      left -= MAX_TIMER_STEP_MS;
      return arm(() => (this.current = step()), MAX_TIMER_STEP_MS, this.keepAlive);
    };
    this.current = step();
  }
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  /** A long duration means long: past about 24.8 days the wait is chained, never fired early (`Infinity` never fires). */
  setTimeout(fn: () => void, ms: number, options?: { readonly keepAlive?: boolean }): TimerHandle {
    if (ms > MAX_TIMER_STEP_MS) return new ChainedTimer(fn, ms, options?.keepAlive) as TimerHandle;
    return arm(fn, ms, options?.keepAlive) as TimerHandle;
  },
  clearTimeout(handle: TimerHandle): void {
    const native = handle instanceof ChainedTimer ? handle.current : handle;
    globalThis.clearTimeout(native as Parameters<typeof clearTimeout>[0]);
  },
  keepAlive(handle: TimerHandle, keepAlive: boolean): void {
    const direct = handle as Native;
    if (typeof direct.ref === 'function') return void (keepAlive ? direct.ref() : direct.unref?.());
    if (!(handle instanceof ChainedTimer)) return; // a platform timer that cannot hold the process (a browser's number)
    handle.keepAlive = keepAlive;
    if (keepAlive) handle.current.ref?.();
    else handle.current.unref?.();
  },
});

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

export const systemRandom: RandomSource = () => Math.random();

/**
 * Resolves after `ms` on `clock`, or rejects with the signal's reason as soon
 * as `signal` aborts. Never leaves a timer or listener behind. `keepAlive`: see
 * {@link Clock.setTimeout}.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal, keepAlive = false): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms, keepAlive ? KEEP_ALIVE : undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `work`, or rejects with `onTimeout()` when `work` has not
 * settled within `ms` on `clock`. The timer is cleared as soon as `work`
 * settles. A value that arrives after the deadline goes to `onLate` (so a
 * resource the caller gave up on can be handed back); a late rejection is dropped.
 */
export function withDeadline<T>(
  clock: Clock,
  ms: number,
  work: Promise<T>,
  onTimeout: () => unknown,
  options: { readonly keepAlive?: boolean; readonly onLate?: (value: T) => void } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = clock.setTimeout(
      () => {
        done = true;
        reject(onTimeout());
      },
      ms,
      options.keepAlive ? KEEP_ALIVE : undefined,
    );
    work.then(
      (value) => {
        if (!done) {
          done = true;
          clock.clearTimeout(timer);
          resolve(value);
          return;
        }
        try {
          options.onLate?.(value);
        } catch {
          /* handing back a late value is best effort */
        }
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
