import type { FailureKind } from '../classify/classify.js';

/** Fields every event payload carries. */
export interface EventBase {
  /** Clock time (ms since epoch) when the event was emitted. */
  readonly timestamp: number;
  /** The `taskId` passed to `run`, when one was given. */
  readonly taskId?: string;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface AttemptEvent extends EventBase {
  readonly model: string;
  /** The deployment's id, when the model is reached through deployments. */
  readonly deployment?: string;
  /** 1-based attempt number on this model. */
  readonly attempt: number;
}
export interface SuccessEvent extends AttemptEvent {
  readonly latencyMs: number;
}
export interface FailureEvent extends AttemptEvent {
  readonly latencyMs: number;
  /** The classified kind; `hedge_lost` for a hedged request aborted because the other branch answered first (not the caller's abort). */
  readonly kind: FailureKind | 'hedge_lost';
  readonly status?: number;
  readonly retryable: boolean;
  /** The server-requested delay, or for a refusal by an open breaker, the time until its probe. */
  readonly retryAfterMs?: number;
}
export interface RetryEvent extends AttemptEvent {
  /** How long the client waits before the next attempt. */
  readonly delayMs: number;
  /** Kind of the failure being retried. */
  readonly reason: FailureKind;
  /** The server-requested delay, when the failure carried one. */
  readonly retryAfterMs?: number;
}
export interface BreakerEvent extends EventBase {
  readonly model: string;
  /** The deployment's id, for the breaker of one deployment of `model`. */
  readonly deployment?: string;
  readonly state: BreakerState;
  /** For `breaker:open`: when a half-open probe will be allowed (the open period). */
  readonly retryAfterMs?: number;
  /** For `breaker:open`: what opened it — the error rate, the slow-call rate, or an exhausted quota. */
  readonly reason?: 'failures' | 'slow_calls' | 'quota';
  /** For `breaker:open`: consecutive trips without a sustained healthy spell (1 on the first). */
  readonly trips?: number;
}
export interface FallbackEvent extends EventBase {
  readonly from: string;
  readonly to: string;
  /** Why `from` was left: a failure kind, or `retry_after_too_long`. */
  readonly reason: FailureKind | 'retry_after_too_long';
  /** Chain entries this call left out because they name another provider than the caller's (`run`'s `provider`). */
  readonly skipped?: readonly string[];
}
export interface ExhaustedEvent extends EventBase {
  readonly failures: readonly { readonly model: string; readonly reason: string }[];
}

/**
 * The core pipeline's events, by name. The client's full map, `ResilienceEvents`,
 * adds each capability's events to these. Names are
 * public API; see docs/events.md.
 */
export interface CoreEvents {
  attempt: AttemptEvent;
  success: SuccessEvent;
  failure: FailureEvent;
  retry: RetryEvent;
  'breaker:open': BreakerEvent;
  'breaker:half-open': BreakerEvent;
  'breaker:close': BreakerEvent;
  fallback: FallbackEvent;
  exhausted: ExhaustedEvent;
}

/** Any map of event name → payload type. */
export type EventMap = object;
export type Unsubscribe = () => void;


// A registered listener (the guarded wrapper of the user's).
// biome-ignore lint/suspicious/noExplicitAny: the listener is typed by the public `on` signature
type Fn = (...args: any[]) => void;

/**
 * The client's event bus. Producers check {@link EventBus.wants} before building
 * a payload, so an event nobody listens to costs one property read.
 */
/** The fields of `o` that hold a value, in their order. */
function definedFields(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out;
}

export class EventBus<M extends EventMap> {
  /**
   * user listener → event name → the guarded wrapper registered for it, so `off` can find it.
   * Per name: a listener on two events reports a throw under the event it was called for.
   */
  readonly #wrapped = new WeakMap<object, Map<string, Fn>>();
  readonly #onListenerError: (error: unknown, event: string) => void;
  /**
   * Per event name, its listeners in the order they were added (one entry per `on` or `once`).
   * An array is never changed once stored: a change stores a new one, so an emit calls the
   * listeners of its start (a listener added during an emit is not called by it, one removed
   * during it still is) and needs no copy. The emitter this replaced (eventemitter3, decision
   * 0059) behaved the same way.
   */
  #listeners = new Map<string, readonly Fn[]>();
  /** For the names that have `once` listeners: whether each entry of {@link #listeners} is one, index by index. */
  readonly #once = new Map<string, readonly boolean[]>();
  /**
   * The name {@link wants} looked up last and its listeners: a producer asks `wants(name)` and then
   * emits that name, so the emit finds them without a second look-up. Dropped on any change.
   */
  #askedName: string | undefined;
  #askedFns: readonly Fn[] | undefined;

  /**
   * @param onListenerError called when a listener throws. A listener's bug must
   * never fail a call, nor stop the other listeners from seeing the event.
   */
  constructor(onListenerError: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError;
  }

  wants(name: keyof M & string): boolean {
    const fns = this.#listeners.get(name);
    this.#askedName = name;
    this.#askedFns = fns;
    return fns !== undefined && fns.length > 0;
  }

  /** Calls the listeners of `name` with `payload`, in the order they were added. */
  #send(name: string, payload: unknown): void {
    const fns = name === this.#askedName ? this.#askedFns : this.#listeners.get(name);
    if (fns === undefined) return;
    const once = this.#once.size > 0 ? this.#once.get(name) : undefined;
    for (let i = 0; i < fns.length; i++) {
      // A `once` entry is removed before it is called: with every `once` entry of the same listener.
      if (once?.[i]) this.#remove(name, fns[i]!, true);
      fns[i]!(payload);
    }
  }

  /** Stores `name`'s listeners as `fns` (and their `once` flags, when any is one); none: the name is dropped. */
  #store(name: string, fns: readonly Fn[], once: readonly boolean[] | undefined): void {
    this.#askedName = this.#askedFns = undefined;
    if (fns.length === 0) {
      this.#listeners.delete(name);
      this.#once.delete(name);
      return;
    }
    this.#listeners.set(name, fns);
    if (once?.includes(true)) this.#once.set(name, once);
    else this.#once.delete(name);
  }

  #add(name: string, fn: Fn, once: boolean): void {
    const fns = this.#listeners.get(name) ?? [];
    const flags = this.#once.get(name);
    this.#store(name, [...fns, fn], flags || once ? [...(flags ?? fns.map(() => false)), once] : undefined);
  }

  /** Removes every entry of `fn` on `name` (only its `once` entries, with `onceOnly`). */
  #remove(name: string, fn: Fn, onceOnly = false): void {
    const fns = this.#listeners.get(name);
    if (fns === undefined) return;
    const flags = this.#once.get(name);
    const keep = fns.map((f, i) => f !== fn || (onceOnly && !flags?.[i]));
    if (!keep.includes(false)) return;
    this.#store(
      name,
      fns.filter((_, i) => keep[i]),
      flags?.filter((_, i) => keep[i]),
    );
  }

  emit<K extends keyof M & string>(name: K, payload: M[K]): void {
    // A field with no value is absent (the docs' `taskId?`), not a key holding undefined.
    // Copied rather than `delete`d: deleting a key turns the object into a slow dictionary, once per event.
    let out = payload as Record<string, unknown>;
    if (!Object.isFrozen(out)) {
      for (const key in out) {
        if (out[key] === undefined) {
          out = definedFields(out);
          break;
        }
      }
      Object.freeze(out);
    }
    this.#send(name, out);
  }

  /**
   * {@link emit} for a payload its producer has just built, unfrozen, with no
   * field holding undefined (an absent field is left out): frozen and sent
   * without {@link emit}'s check for frozen payloads and absent fields.
   */
  emitBuilt<K extends keyof M & string>(name: K, payload: M[K]): void {
    this.#send(name, Object.freeze(payload));
  }

  #guard(name: string, listener: Fn): Fn {
    let byName = this.#wrapped.get(listener);
    if (!byName) this.#wrapped.set(listener, (byName = new Map()));
    let fn = byName.get(name);
    if (!fn) {
      fn = (payload: unknown) => {
        try {
          listener(payload);
        } catch (error) {
          this.#onListenerError(error, name);
        }
      };
      byName.set(name, fn);
    }
    return fn;
  }

  on<K extends keyof M & string>(name: K, listener: (payload: M[K]) => void): Unsubscribe {
    const fn = this.#guard(name, listener as Fn);
    this.#add(name, fn, false);
    return () => this.#remove(name, fn);
  }

  once<K extends keyof M & string>(name: K, listener: (payload: M[K]) => void): Unsubscribe {
    const fn = this.#guard(name, listener as Fn);
    this.#add(name, fn, true);
    return () => this.#remove(name, fn);
  }

  off<K extends keyof M & string>(name: K, listener: (payload: M[K]) => void): void {
    const fn = this.#wrapped.get(listener as Fn)?.get(name);
    if (fn) this.#remove(name, fn);
  }

  listenerCount(name?: keyof M & string): number {
    if (name) return this.#listeners.get(name)?.length ?? 0;
    let n = 0;
    for (const fns of this.#listeners.values()) n += fns.length;
    return n;
  }

  clear(): void {
    this.#askedName = this.#askedFns = undefined;
    this.#listeners = new Map();
    this.#once.clear();
  }
}
