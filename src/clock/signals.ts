import { type Clock, type TimerHandle } from './clock.js';

/*
 * Abort plumbing that does not grow with the number of calls.
 *
 * Many calls wait on one signal at once: a caller's signal shared by concurrent
 * calls, or a client's dispose signal shared by all of them. One EventTarget
 * listener per waiting call prints `MaxListenersExceededWarning` past ten, and
 * `AbortSignal.any()` on Node 20 leaves a weak reference in every source signal
 * for each signal it builds, freed only when that source aborts (a dispose
 * signal never does before shutdown). Here each signal carries at most one
 * listener of ours, which calls a set of callbacks; a callback is added and
 * removed at the cost of a Set operation.
 */

interface Hub {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
  /** A library-owned signal: its listener stays for the signal's life (no add/remove per call). */
  kept: boolean;
}

const hubs = new WeakMap<AbortSignal, Hub>();
const noop = () => {};

function hubOf(signal: AbortSignal): Hub {
  let hub = hubs.get(signal);
  if (hub) return hub;
  const callbacks = new Set<() => void>();
  const listener = () => {
    hubs.delete(signal);
    for (const fn of callbacks) fn();
    callbacks.clear();
  };
  hub = { callbacks, listener, kept: false };
  hubs.set(signal, hub);
  signal.addEventListener('abort', listener, { once: true });
  return hub;
}

/**
 * Keeps the one listener on `signal` (one of the library's own long-lived
 * signals) until it aborts, so calls coming and going never add or remove
 * an EventTarget listener.
 */
export function keepAbortListener(signal: AbortSignal): void {
  if (!signal.aborted) hubOf(signal).kept = true;
}

/**
 * Calls `fn` once when `signal` aborts, at once if it already has. Returns the
 * unsubscribe. `fn` must be a fresh function per subscription (they are kept in a Set). The last unsubscribe from a signal not kept removes our listener,
 * so a caller's signal is left as it was found.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return noop;
  }
  const hub = hubOf(signal);
  hub.callbacks.add(fn);
  return () => {
    if (!hub.callbacks.delete(fn) || hub.kept || hub.callbacks.size > 0) return;
    hubs.delete(signal);
    signal.removeEventListener('abort', hub.listener);
  };
}

/**
 * Calls `fn` with the reason of the first of `signals` to abort (at once if one
 * already has), then never again. Returns a function that detaches from all of them.
 */
export function onAnyAbort(signals: readonly (AbortSignal | undefined)[], fn: (reason: unknown) => void): () => void {
  for (const s of signals) {
    if (s?.aborted) {
      fn(s.reason);
      return noop;
    }
  }
  const offs: (() => void)[] = [];
  const detach = () => {
    for (const off of offs) off();
    offs.length = 0;
  };
  for (const s of signals) {
    if (s)
      offs.push(
        onAbort(s, () => {
          detach();
          fn(s.reason);
        }),
      );
  }
  return detach;
}

/** {@link untilAborted} for one signal, with the fewest allocations: it runs on every attempt. */
export function raceAbort<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (value) => {
        off();
        resolve(value);
      },
      (error: unknown) => {
        off();
        reject(error);
      },
    );
  });
}

/**
 * Settles like `promise`, or rejects with the reason of the first of `signals`
 * to abort, whichever comes first. A late settlement of `promise` is dropped
 * (and never reported as unhandled).
 */
export function untilAborted<T>(promise: PromiseLike<T>, signals: readonly (AbortSignal | undefined)[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const detach = onAnyAbort(signals, reject);
    promise.then(
      (value) => {
        detach();
        resolve(value);
      },
      (error: unknown) => {
        detach();
        reject(error);
      },
    );
  });
}

/** An AbortSignal that aborts with the reason of the first of `signals` to abort; call `unlink` when done with it. */
export function linkSignals(signals: readonly (AbortSignal | undefined)[]): { readonly signal: AbortSignal; readonly unlink: () => void } {
  const controller = new AbortController();
  const unlink = onAnyAbort(signals, (reason) => controller.abort(reason));
  return { signal: controller.signal, unlink };
}

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

/** Like `sleep`, ended early by any of `signals` (rejecting with its reason). */
export function sleepUnlessAborted(clock: Clock, ms: number, signals: readonly (AbortSignal | undefined)[], keepAlive = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const aborted = signals.find((s) => s?.aborted);
    if (aborted) return reject(aborted.reason);
    const handle: TimerHandle = clock.setTimeout(
      () => {
        detach();
        resolve();
      },
      Math.max(0, ms),
      keepAlive ? KEEP_ALIVE : undefined,
    );
    const detach = onAnyAbort(signals, (reason) => {
      clock.clearTimeout(handle);
      reject(reason);
    });
  });
}
