import { EventEmitter } from 'eventemitter3';
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


// eventemitter3's listener type for the map form; spelled out to keep its namespace types out of ours.
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

/**
 * One event name of a bus, held by a producer that asks for it on every call (the pipeline's `attempt`
 * and `success`, the budget's `budget:usage`): {@link EventBus.wantsTopic} and {@link EventBus.emitTopic}
 * find its listeners without a look-up by name while no listener was added or removed since they last
 * did. Made by {@link EventBus.topic}; its fields are the bus's.
 */
export class Topic<K extends string = string> {
  readonly name: K;
  /** The bus's count of listener changes when `fns` was read; -1 before the first read. */
  seen = -1;
  /** The name's listeners as the bus keeps them then, or undefined for a name the emitter serves. */
  fns: readonly Fn[] | undefined = undefined;

  constructor(name: K) {
    this.name = name;
  }
}

export class EventBus<M extends EventMap> {
  // Untyped inside: the typed surface is this class's own generic methods.
  readonly #emitter: EventEmitter<string> = new EventEmitter<string>();
  /**
   * user listener → event name → the guarded wrapper registered for it, so `off` can find it.
   * Per name: a listener on two events reports a throw under the event it was called for.
   */
  readonly #wrapped = new WeakMap<object, Map<string, Fn>>();
  readonly #onListenerError: (error: unknown, event: string) => void;
  /**
   * Per event name, the listeners an emit calls, read from the emitter on first need and dropped on
   * any change: an emit is one look-up and a loop, not eventemitter3's `listenerCount` then `emit`.
   * A snapshot, as eventemitter3's own emit takes one: a listener added during an emit is not called
   * by it, one removed during it still is. Names that ever had a `once` listener are left out (the
   * emitter's emit removes those as it calls them) and go through the emitter.
   */
  #listeners = new Map<string, readonly Fn[]>();
  readonly #viaEmitter = new Set<string>();
  /**
   * The name {@link wants} looked up last and its listeners: a producer asks `wants(name)` and then
   * emits that name, so the emit finds them without a second look-up. Dropped with the snapshots.
   */
  #askedName: string | undefined;
  #askedFns: readonly Fn[] | undefined;
  /** Listener changes so far: a {@link Topic} read before the last one reads its name again. */
  #changes = 0;

  /**
   * @param onListenerError called when a listener throws. A listener's bug must
   * never fail a call, nor stop the other listeners from seeing the event.
   */
  constructor(onListenerError: (error: unknown, event: string) => void) {
    this.#onListenerError = onListenerError;
  }

  wants(name: keyof M & string): boolean {
    const fns = this.#listeners.get(name) ?? this.#load(name);
    if (!fns) return this.#emitter.listenerCount(name) > 0;
    this.#askedName = name;
    this.#askedFns = fns;
    return fns.length > 0;
  }

  /** A {@link Topic} of `name` on this bus, for a producer to keep. */
  topic<K extends keyof M & string>(name: K): Topic<K> {
    return new Topic(name);
  }

  /** {@link wants} for the name of `topic` (one of this bus's). */
  wantsTopic(topic: Topic<keyof M & string>): boolean {
    const fns = this.#topicFns(topic);
    return fns ? fns.length > 0 : this.#emitter.listenerCount(topic.name) > 0;
  }

  /** {@link emitBuilt} for the name of `topic` (one of this bus's). */
  emitTopic<K extends keyof M & string>(topic: Topic<K>, payload: M[K]): void {
    const out = Object.freeze(payload);
    const fns = this.#topicFns(topic);
    if (!fns) this.#emitter.emit(topic.name, out);
    else for (let i = 0; i < fns.length; i++) fns[i]!(out);
  }

  #topicFns(topic: Topic): readonly Fn[] | undefined {
    if (topic.seen === this.#changes) return topic.fns;
    topic.seen = this.#changes;
    return (topic.fns = this.#listeners.get(topic.name) ?? this.#load(topic.name));
  }

  /** The listeners of `name` as {@link #listeners} keeps them, or undefined for a name with a `once` listener. */
  #load(name: string): readonly Fn[] | undefined {
    if (this.#viaEmitter.has(name)) return undefined;
    const fns = this.#emitter.listeners(name) as Fn[];
    this.#listeners.set(name, fns);
    return fns;
  }

  /** Calls the listeners of `name` with `payload`, in the order they were added. */
  #send(name: string, payload: unknown): void {
    const fns = name === this.#askedName ? this.#askedFns : (this.#listeners.get(name) ?? this.#load(name));
    if (!fns) {
      this.#emitter.emit(name, payload);
      return;
    }
    for (let i = 0; i < fns.length; i++) fns[i]!(payload);
  }

  /** After any change of listeners: every name is read again from the emitter. */
  #changed(): void {
    if (this.#listeners.size > 0) this.#listeners = new Map();
    this.#askedName = this.#askedFns = undefined;
    this.#changes++;
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
    this.#emitter.on(name, fn);
    this.#changed();
    return () => {
      this.#emitter.off(name, fn);
      this.#changed();
    };
  }

  once<K extends keyof M & string>(name: K, listener: (payload: M[K]) => void): Unsubscribe {
    const fn = this.#guard(name, listener as Fn);
    this.#emitter.once(name, fn);
    this.#viaEmitter.add(name);
    this.#changed();
    return () => {
      this.#emitter.off(name, fn);
      this.#changed();
    };
  }

  off<K extends keyof M & string>(name: K, listener: (payload: M[K]) => void): void {
    const fn = this.#wrapped.get(listener as Fn)?.get(name);
    if (fn) {
      this.#emitter.off(name, fn);
      this.#changed();
    }
  }

  listenerCount(name?: keyof M & string): number {
    if (name) return this.#emitter.listenerCount(name);
    let n = 0;
    for (const e of this.#emitter.eventNames()) n += this.#emitter.listenerCount(e);
    return n;
  }

  clear(): void {
    this.#emitter.removeAllListeners();
    this.#viaEmitter.clear();
    this.#changed();
  }
}
