import type { Clock, TimerHandle } from './clock.js';

/*
 * Abort plumbing that does not grow with the number of calls.
 *
 * Many calls wait on one signal at once: a caller's signal shared by concurrent
 * calls, or a client's dispose signal shared by all of them. One EventTarget
 * listener per waiting call prints `MaxListenersExceededWarning` past ten, and
 * `AbortSignal.any()` on Node 20 leaves a weak reference in every source signal
 * for each signal it builds, freed only when that source aborts (a dispose
 * signal never does before shutdown). Here each signal carries at most one
 * listener of ours, which calls a list of callbacks.
 */

interface Entry<A> {
  fn(arg: A): void;
  prev: Entry<A> | undefined;
  next: Entry<A> | undefined;
}

/**
 * Callbacks with O(1) add and remove. A linked list rather than a Set: a Set of
 * fresh closures pays for an identity hash on every add (about 1 µs a call on
 * Node 20), and this runs on every call.
 */
export class Callbacks<A = void> {
  #head: Entry<A> | undefined;
  #tail: Entry<A> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `fn` at the end; the returned entry is what `remove` takes. */
  add(fn: (arg: A) => void): Entry<A> {
    return this.push({ fn, prev: undefined, next: undefined });
  }

  /** Adds an entry object (in no list) at the end: one that is its own entry builds no closure for it. */
  push<E extends Entry<A>>(entry: E): E {
    entry.prev = this.#tail;
    entry.next = undefined;
    if (this.#tail) this.#tail.next = entry;
    else this.#head = entry;
    this.#tail = entry;
    this.#size++;
    return entry;
  }

  /** Removes an entry; removing it twice, or after `drain`, does nothing. */
  remove(entry: Entry<A>): void {
    if (entry.prev) entry.prev.next = entry.next;
    else if (this.#head === entry) this.#head = entry.next;
    else return;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = entry.next = undefined;
    this.#size--;
  }

  /** Empties the list, then calls every callback that was in it with `arg`, in the order added. */
  drain(arg: A): void {
    let entry = this.#head;
    this.#head = this.#tail = undefined;
    this.#size = 0;
    while (entry) {
      const next = entry.next;
      entry.prev = entry.next = undefined;
      entry.fn(arg);
      entry = next;
    }
  }
}

export type { Entry as CallbackEntry };

interface Hub {
  readonly callbacks: Callbacks;
  readonly listener: () => void;
  /** A library-owned signal: its listener stays for the signal's life (no add/remove per call). */
  kept: boolean;
}

const hubs = new WeakMap<AbortSignal, Hub>();
const noop = () => {};

function hubOf(signal: AbortSignal): Hub {
  let hub = hubs.get(signal);
  if (hub) return hub;
  const callbacks = new Callbacks();
  const listener = () => {
    hubs.delete(signal);
    if (lastKept === signal) lastKept = lastHub = undefined;
    callbacks.drain();
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
 * The callbacks a library-owned signal (see {@link keepAbortListener}) calls
 * when it aborts, while it has not: an entry pushed there is called in turn
 * with `onAbort`'s callbacks, and removed from it with `remove`. Undefined for
 * any other signal.
 */
export function keptCallbacks(signal: AbortSignal): Callbacks | undefined {
  let hub: Hub | undefined;
  if (signal === lastKept) hub = lastHub;
  else if ((hub = hubs.get(signal))?.kept) {
    lastKept = signal;
    lastHub = hub;
  }
  return hub?.kept && !signal.aborted ? hub.callbacks : undefined;
}

// The kept signal asked for last and its hub: a client's attempts ask for their client's dispose signal every time,
// and this spares them the WeakMap look-up. Forgotten when that signal aborts.
let lastKept: AbortSignal | undefined;
let lastHub: Hub | undefined;

/**
 * Calls `fn` once when `signal` aborts, at once if it already has. Returns the
 * unsubscribe. The last unsubscribe from a signal not kept removes our
 * listener, so a caller's signal is left as it was found.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return noop;
  }
  const hub = hubOf(signal);
  const entry = hub.callbacks.add(fn);
  return () => {
    hub.callbacks.remove(entry);
    if (hub.kept || hub.callbacks.size > 0 || hubs.get(signal) !== hub) return;
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

/**
 * An AbortSignal that aborts with the reason of the first of `signals` to abort,
 * or when `abort` is called; call `unlink` when done with it.
 */
export function linkSignals(signals: readonly (AbortSignal | undefined)[]): {
  readonly signal: AbortSignal;
  readonly abort: (reason: unknown) => void;
  readonly unlink: () => void;
} {
  const controller = new AbortController();
  const unlink = onAnyAbort(signals, (reason) => controller.abort(reason));
  return { signal: controller.signal, abort: (reason) => controller.abort(reason), unlink };
}

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

/** Like `sleep`, ended early by any of `signals` (rejecting with its reason). */
export function sleepUnlessAborted(clock: Clock, ms: number, signals: readonly (AbortSignal | undefined)[], keepAlive = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const aborted = signals.find((s) => s?.aborted);
    if (aborted) return reject(aborted.reason);
    if (ms <= 0) return resolve();
    const handle: TimerHandle = clock.setTimeout(
      () => {
        detach();
        resolve();
      },
      ms,
      keepAlive ? KEEP_ALIVE : undefined,
    );
    const detach = onAnyAbort(signals, (reason) => {
      clock.clearTimeout(handle);
      reject(reason);
    });
  });
}
