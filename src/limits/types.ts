import type { EventBase } from '../events/events.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import type { Release } from './slots.js';

/** What a call was held for: a rate-limit dimension, the concurrency cap, or a 429's Retry-After. */
export type LimitWaitReason = 'requests' | 'tokens' | 'inputTokens' | 'outputTokens' | 'concurrency';

export interface LimitWaitEvent extends EventBase {
  readonly model: string;
  /** How long admission holds the call, in ms (for `concurrency`: the most it will wait for a free slot). */
  readonly waitMs: number;
  /** What ran out: the dimension whose capacity the call waits to refill, or `concurrency`. */
  readonly reason: LimitWaitReason;
}

export interface LimiterEvents {
  'limit:wait': LimitWaitEvent;
}

export interface LimiterEmitter {
  wants(name: keyof LimiterEvents): boolean;
  emit<K extends keyof LimiterEvents>(name: K, payload: LimiterEvents[K]): void;
}

/** The tokens a call is expected to use: input estimate and output cap. */
export interface CallWeight {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface AdmitOptions {
  /**
   * The call's token estimate, or a function computing it (called only when the
   * model has a token limit). A number is the total, counted as input.
   * @default 1
   */
  readonly weight?: number | CallWeight | (() => CallWeight | number);
  readonly signal?: AbortSignal;
  /**
   * The call's task. Over capacity, calls of tasks under way take the turns of
   * waiting first calls of new tasks, and a new task's first call that would
   * wait long while others wait is refused (`NoCapacityError`, `over_capacity`).
   */
  readonly taskId?: string;
  /**
   * Later models of the chain. When `model` cannot take the call now and one of
   * these can (or will sooner), admission refuses at once with `NoCapacityError`
   * (reason `spill`) so the call moves on instead of waiting.
   */
  readonly spillTo?: readonly string[];
  /**
   * The call's deadline on the clock, when it states one. Its wait is then
   * bounded by the deadline less `expectedMs` (not by `maxWaitMs`), waiting
   * calls with deadlines go earliest deadline first, and a call that could no
   * longer finish in time is refused (`NoCapacityError`, `deadline`), not sent.
   */
  readonly deadline?: number;
  /** The model's expected latency, ms (read only for a call with a `deadline`; undefined while unknown). */
  readonly expectedMs?: () => number | undefined;
}

/** One rate-limit dimension of a model, for snapshots. */
export interface BucketSnapshot {
  /** Units available now (negative while calls wait for their share). */
  readonly available: number;
  readonly capacity: number;
  /**
   * The refill this process allows itself, per minute: the provider's limit, or
   * less when others on the same key use part of it (learned from the headers)
   * or after a 429 it did not expect.
   */
  readonly perMinute: number;
}

/** A model's admission state, plain data. */
export interface ModelLimitSnapshot {
  readonly requests?: BucketSnapshot;
  readonly tokens?: BucketSnapshot;
  readonly inputTokens?: BucketSnapshot;
  readonly outputTokens?: BucketSnapshot;
  readonly inFlight: number;
  readonly waiting: number;
  /** Ms until a 429's Retry-After has passed (0: not held); a held model gets calls only when no later one has room. */
  readonly heldForMs: number;
}

export interface Limiter {
  /** False when admission is switched off (`respectHeaders: false` and no limits): `admit` then returns a no-op release synchronously. */
  readonly enabled: boolean;
  /**
   * Admits a call on `model`. Returns the release synchronously when there is
   * capacity now. Otherwise rejects at once with `NoCapacityError` when a
   * `spillTo` model can serve sooner, or when the wait would pass `maxWaitMs`
   * or the deadline, or (`over_capacity`) when it is a new task's first call that
   * would wait long behind others; with `QueueFullError` when `maxQueue` calls
   * already wait; else waits for the call's own share to refill (abortable),
   * after the calls of tasks under way.
   */
  admit(model: string, options?: AdmitOptions): Release | Promise<Release>;
  /** Records the provider's latest rate-limit headers for `model`. */
  observe(model: string, info: RateLimitInfo): void;
  /**
   * A rate-limit 429 on `model` for a call of `weight`: its share is given back
   * (the provider did not count it) and for `retryAfterMs` (1 s when the
   * provider gave none) new calls go to a later model with room when there is one.
   * The first 429 after a spell without one halves the refill this process
   * allows itself on the model (it recovers over about 20 s). When the 429's own
   * headers still showed room for the call, the provider enforces a shorter
   * window than its headers describe: the model's buckets start again from
   * empty, and the burst allowed on it is halved (down to 1/16 of its limit)
   * for the life of the client.
   */
  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void;
  /** True when `model` could admit a call of `weight` right now. */
  available(model: string, weight?: AdmitOptions['weight']): boolean;
  /** Calls waiting for admission on `model`. */
  waiting(model: string): number;
  /** Admission state per model seen so far. */
  snapshot(): Readonly<Record<string, ModelLimitSnapshot>>;
  /**
   * A call admitted with `weight` answered having used `usage`: the output tokens it was weighed
   * with beyond what it produced go back to the output-token bucket (a provider that limits
   * output tokens apart, as Anthropic does, counts `max_tokens` while the answer is written and
   * the real length once it is done), and the input tokens beyond its real input go back to the
   * input-token bucket (an estimate counted high: the provider counts the real input).
   * Optional: without it the headers correct the level later.
   */
  used?(model: string, weight: AdmitOptions['weight'], usage: { readonly outputTokens: number; readonly inputTokens?: number }): void;
  /** Drops `model`'s admission state (the client forgets idle models beyond its bound); kept while calls are in flight or waiting. */
  forget?(model: string): void;
  /** Cancels waits (`DisposedError`) and clears their timers. Safe to call twice. */
  dispose(): void;
}
