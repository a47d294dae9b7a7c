import { type Clock, type TimerHandle, systemClock } from '../clock/clock.js';
import { onAbort } from '../clock/signals.js';
import { DisposedError, NoCapacityError, QueueFullError } from '../errors/errors.js';
import type { EventBase } from '../events/events.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { type Bucket, fromWindow, giveBack, levelAt, perMinute, take, waitFor } from './bucket.js';
import { type LimitsOptions, type ModelLimits, type ResolvedLimits, resolveLimits } from './options.js';
import type { Release } from './slots.js';

export type { Release } from './slots.js';

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
  readonly taskId?: string;
  /**
   * Later models of the chain. When `model` cannot take the call now and one of
   * these can (or will sooner), admission refuses at once with `NoCapacityError`
   * (reason `spill`) so the call moves on instead of waiting.
   */
  readonly spillTo?: readonly string[];
  /** Clock time past which admission never waits (the caller's deadline). */
  readonly deadline?: number;
}

/** One rate-limit dimension of a model, for snapshots. */
export interface BucketSnapshot {
  /** Units available now (negative while calls wait for their share). */
  readonly available: number;
  readonly capacity: number;
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
   * or the deadline; with `QueueFullError` when `maxQueue` calls already wait;
   * else waits for the call's own share to refill (abortable).
   */
  admit(model: string, options?: AdmitOptions): Release | Promise<Release>;
  /** Records the provider's latest rate-limit headers for `model`. */
  observe(model: string, info: RateLimitInfo): void;
  /**
   * A rate-limit 429 on `model` for a call of `weight`: its share is given back
   * (the provider did not count it) and for `retryAfterMs` (1 s when the
   * provider gave none) new calls go to a later model with room when there is one. When the 429's own headers still showed
   * room for the call, the provider enforces a shorter window than its headers
   * describe: the model's buckets start again from empty, and the burst allowed
   * on it is halved (down to 1/16 of its limit) for the life of the client.
   */
  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void;
  /** True when `model` could admit a call of `weight` right now. */
  available(model: string, weight?: AdmitOptions['weight']): boolean;
  /** Calls waiting for admission on `model`. */
  waiting(model: string): number;
  /** Admission state per model seen so far. */
  snapshot(): Readonly<Record<string, ModelLimitSnapshot>>;
  /** Drops `model`'s admission state (the client forgets idle models beyond its bound); kept while calls are in flight or waiting. */
  forget?(model: string): void;
  /** Cancels waits (`DisposedError`) and clears their timers. Safe to call twice. */
  dispose(): void;
}

const NOOP: Release = () => {};
/** A call waiting for admission is awaited like a request in flight: its timer keeps the process alive (dispose clears it). */
const KEEP_ALIVE = Object.freeze({ keepAlive: true });
/** How long a 429 without Retry-After steers calls away from its model. */
export const DEFAULT_429_HOLD_MS = 1_000;
/** The smallest burst a model is allowed after 429s its headers did not explain, as a share of its limit. */
const MIN_BURST = 1 / 16;
const DIMS = ['requests', 'tokens', 'inputTokens', 'outputTokens'] as const;
type Dim = (typeof DIMS)[number];

const OFF: Limiter = Object.freeze({
  enabled: false,
  admit: () => NOOP,
  observe() {},
  throttled() {},
  available: () => true,
  waiting: () => 0,
  snapshot: () => ({}),
  dispose() {},
});

interface ModelState {
  readonly limits: ModelLimits | undefined;
  readonly buckets: { [K in Dim]?: Bucket };
  inFlight: number;
  waiting: number;
  /** FIFO of calls waiting for a concurrency slot. */
  readonly slotWaiters: (() => void)[];
  heldUntil: number;
  observedAt: number;
  /** The latest headers, to tell whether a 429 was explained by them. */
  last: RateLimitInfo | undefined;
  /** Share of the provider's limit usable as a burst: below 1 once 429s came while headers showed room. */
  burst: number;
}

/**
 * Per-model admission on the injected clock: token buckets for requests and
 * tokens that follow the provider's rate-limit headers and refill at its rate
 * between them, a concurrency cap, and a hold after a 429. A call waits only
 * for its own share to refill, spills to a later model when that one can serve
 * sooner, and never waits past `maxWaitMs` or its deadline.
 *
 * @example
 * const limiter = createLimiter({ models: { 'gpt-4.1': { maxConcurrent: 4, tokensPerMinute: 30_000 } } }, { clock });
 * const release = await limiter.admit('gpt-4.1', { weight: { inputTokens: 1_000, outputTokens: 256 }, signal });
 * try { await call(); } finally { release(); }
 */
export function createLimiter(options: LimitsOptions | undefined, deps: { clock?: Clock; emitter?: LimiterEmitter } = {}): Limiter {
  const resolved = resolveLimits(options);
  const configured = resolved.default !== undefined || Object.keys(resolved.models).length > 0;
  return resolved.respectHeaders || configured ? new ModelLimiter(resolved, deps.clock ?? systemClock, deps.emitter) : OFF;
}

const weightOf = (w: AdmitOptions['weight']): CallWeight | number => (typeof w === 'function' ? w() : (w ?? 1));
const share = (dim: Dim, w: CallWeight | number): number =>
  typeof w === 'number' ? (dim === 'outputTokens' ? 0 : w) : dim === 'inputTokens' ? w.inputTokens : dim === 'outputTokens' ? w.outputTokens : w.inputTokens + w.outputTokens;

class ModelLimiter implements Limiter {
  readonly enabled = true;
  readonly #o: ResolvedLimits;
  readonly #clock: Clock;
  readonly #emitter: LimiterEmitter | undefined;
  readonly #states = new Map<string, ModelState>();
  readonly #timers = new Set<(error: unknown) => void>();
  #disposed = false;
  /** The dimension that decided the last `#waitMs` (for the event). */
  #reason: LimitWaitReason = 'requests';

  constructor(o: ResolvedLimits, clock: Clock, emitter: LimiterEmitter | undefined) {
    this.#o = o;
    this.#clock = clock;
    this.#emitter = emitter;
  }

  #limitsOf(model: string): ModelLimits | undefined {
    return Object.hasOwn(this.#o.models, model) ? this.#o.models[model] : this.#o.default;
  }

  /** Created on first need: a model with no limits and no headers yet costs no state. */
  #state(model: string, create: boolean): ModelState | undefined {
    const found = this.#states.get(model);
    if (found || !create) return found;
    const limits = this.#limitsOf(model);
    const now = this.#clock.now();
    const s: ModelState = { limits, buckets: {}, inFlight: 0, waiting: 0, slotWaiters: [], heldUntil: 0, observedAt: -Infinity, last: undefined, burst: 1 };
    if (limits?.requestsPerMinute) s.buckets.requests = perMinute(limits.requestsPerMinute, now);
    if (limits?.tokensPerMinute) s.buckets.tokens = perMinute(limits.tokensPerMinute, now);
    this.#states.set(model, s);
    return s;
  }

  /** Ms until `s` has room for `w` in every bucket; sets `#reason`. */
  #waitMs(s: ModelState, weight: AdmitOptions['weight'], now: number): number {
    let wait = 0;
    let w: CallWeight | number | undefined;
    for (const dim of DIMS) {
      const b = s.buckets[dim];
      if (!b) continue;
      if (dim !== 'requests') w ??= weightOf(weight);
      const ms = waitFor(b, dim === 'requests' ? 1 + this.#o.minRemainingRequests : share(dim, w!), now);
      if (ms > wait) {
        wait = ms;
        this.#reason = dim;
      }
    }
    return wait;
  }

  #slotFree(s: ModelState): boolean {
    const mc = s.limits?.maxConcurrent;
    return mc === undefined || (s.inFlight < mc && s.slotWaiters.length === 0);
  }

  available(model: string, weight?: AdmitOptions['weight']): boolean {
    const s = this.#state(model, false);
    if (!s) return true;
    const now = this.#clock.now();
    return this.#slotFree(s) && s.heldUntil <= now && this.#waitMs(s, weight, now) === 0;
  }

  /**
   * How soon `s` could serve, for choosing where to spill: a model held after a
   * 429 never (it is avoided while another has room), else its bucket wait.
   */
  #spillWait(s: ModelState, weight: AdmitOptions['weight'], now: number): number {
    if (s.heldUntil > now || !this.#slotFree(s)) return Infinity;
    return this.#waitMs(s, weight, now);
  }

  admit(model: string, options?: AdmitOptions): Release | Promise<Release> {
    if (this.#disposed) return Promise.reject(new DisposedError());
    const s = this.#state(model, this.#limitsOf(model) !== undefined);
    if (!s) return NOOP; // nothing configured and no headers seen yet
    const now = this.#clock.now();
    // One weight per call, computed at most once.
    let weight: CallWeight | number | undefined;
    const lazy = () => (weight ??= weightOf(options?.weight));
    const wait = this.#waitMs(s, lazy, now);
    const reason: LimitWaitReason = wait > 0 ? this.#reason : 'concurrency';
    const slot = this.#slotFree(s);
    const held = s.heldUntil > now;
    if (wait === 0 && slot && !held) {
      this.#take(s, lazy, now);
      return this.#occupy(s);
    }
    // Spill: a later model that can serve sooner takes the call now.
    const later = options?.spillTo;
    if (later) {
      const mine = held ? Infinity : Math.max(wait, 1);
      for (const m of later) {
        const o = this.#state(m, false);
        if (!o || this.#spillWait(o, lazy, now) < mine) return Promise.reject(new NoCapacityError(model, held ? s.heldUntil - now : wait, 'spill'));
      }
    }
    // A 429's hold only steers calls elsewhere. With nowhere better to go the call is
    // sent, and the provider's answer (its Retry-After, the retry policy) decides.
    if (wait === 0 && slot) {
      this.#take(s, lazy, now);
      return this.#occupy(s);
    }
    const deadline = options?.deadline;
    const bound = Math.min(this.#o.maxWaitMs, deadline === undefined ? Infinity : deadline - now);
    if (wait > bound) return Promise.reject(new NoCapacityError(model, wait, bound < this.#o.maxWaitMs ? 'deadline' : 'wait_limit'));
    if (s.waiting >= this.#o.maxQueue) return Promise.reject(new QueueFullError(model, this.#o.maxQueue));
    return this.#wait(s, model, lazy, wait, slot ? undefined : bound, reason, options);
  }

  #take(s: ModelState, weight: () => CallWeight | number, now: number): void {
    for (const dim of DIMS) {
      const b = s.buckets[dim];
      if (b) take(b, dim === 'requests' ? 1 : share(dim, weight()), now);
    }
  }

  /** Units of calls still waiting to be sent: fresh headers cannot know about them (see `fromWindow`). */
  #pending(s: ModelState, weight: () => CallWeight | number, sign: 1 | -1): void {
    for (const dim of DIMS) {
      const b = s.buckets[dim];
      if (b) b.pending = Math.max(0, b.pending + sign * (dim === 'requests' ? 1 : share(dim, weight())));
    }
  }

  #occupy(s: ModelState): Release {
    if (s.limits?.maxConcurrent === undefined) return NOOP;
    s.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.inFlight--;
      s.slotWaiters.shift()?.();
    };
  }

  async #wait(s: ModelState, model: string, weight: () => CallWeight | number, waitMs: number, slotBound: number | undefined, reason: LimitWaitReason, options: AdmitOptions | undefined): Promise<Release> {
    const signal = options?.signal;
    const e = this.#emitter;
    if (e?.wants('limit:wait')) {
      const payload = { timestamp: this.#clock.now(), model, waitMs: waitMs > 0 ? waitMs : (slotBound ?? 0), reason };
      e.emit('limit:wait', options?.taskId !== undefined ? { ...payload, taskId: options.taskId } : payload);
    }
    s.waiting++;
    // The call's share is taken now, so calls behind it wait for theirs, not for the same one.
    this.#take(s, weight, this.#clock.now());
    this.#pending(s, weight, 1);
    let due = false;
    try {
      signal?.throwIfAborted();
      if (waitMs > 0) await this.#sleep(waitMs, signal);
      this.#pending(s, weight, -1);
      due = true;
      if (slotBound !== undefined && !this.#slotFree(s)) await this.#slot(s, model, slotBound - waitMs, signal);
      return this.#occupy(s);
    } catch (error) {
      // Never admitted (a timeout or abort, also while waiting for a slot after its share was due): never sent, so its share goes back.
      this.#giveBack(s, weight);
      if (!due) this.#pending(s, weight, -1);
      throw this.#disposed ? new DisposedError() : error;
    } finally {
      s.waiting--;
    }
  }

  #giveBack(s: ModelState, weight: () => CallWeight | number): void {
    const now = this.#clock.now();
    for (const dim of DIMS) {
      const b = s.buckets[dim];
      if (b) giveBack(b, dim === 'requests' ? 1 : share(dim, weight()), now);
    }
  }

  /** Waits for a concurrency slot, at most `ms`. */
  #slot(s: ModelState, model: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        cleanup();
        resolve();
      };
      const fail = (error: unknown) => {
        const i = s.slotWaiters.indexOf(grant);
        if (i >= 0) s.slotWaiters.splice(i, 1);
        cleanup();
        reject(error);
      };
      let off: (() => void) | undefined;
      const handle: TimerHandle = this.#clock.setTimeout(() => fail(new NoCapacityError(model, ms, 'wait_limit')), Math.max(0, ms), KEEP_ALIVE);
      const cleanup = () => {
        this.#clock.clearTimeout(handle);
        this.#timers.delete(fail);
        off?.();
      };
      s.slotWaiters.push(grant);
      this.#timers.add(fail);
      // One listener on a caller's signal however many calls wait on it.
      if (signal) off = onAbort(signal, () => fail(signal.reason));
    });
  }

  /** Like `sleep` from the clock module, but woken by dispose without a listener on a shared signal. */
  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let off: (() => void) | undefined;
      const stop = (error: unknown) => {
        this.#clock.clearTimeout(handle);
        finish();
        reject(error);
      };
      const finish = () => {
        this.#timers.delete(stop);
        off?.();
      };
      const handle = this.#clock.setTimeout(() => {
        finish();
        resolve();
      }, ms, KEEP_ALIVE);
      this.#timers.add(stop);
      if (signal) off = onAbort(signal, () => stop(signal.reason));
    });
  }

  observe(model: string, info: RateLimitInfo): void {
    if (!this.#o.respectHeaders || this.#disposed) return;
    const s = this.#state(model, true)!;
    if (s.observedAt > info.observedAt) return; // a late answer to an older call
    s.observedAt = info.observedAt;
    s.last = info;
    const now = info.observedAt;
    for (const dim of DIMS) {
      const old = s.buckets[dim];
      const fresh = fromWindow(info[dim], old?.pending ?? 0, now);
      if (!fresh) continue;
      if (s.burst < 1 && Number.isFinite(fresh.capacity)) fresh.capacity = Math.max(1, fresh.capacity * s.burst);
      const cap = dim === 'requests' ? s.limits?.requestsPerMinute : dim === 'tokens' ? s.limits?.tokensPerMinute : undefined;
      if (old && ((cap !== undefined && cap < fresh.capacity) || (old.capacity === fresh.capacity && old.ratePerMs === fresh.ratePerMs))) {
        // Headers describe the provider's state when it received that request, a latency ago; what we
        // sent since is only in our own accounting. The lower of the two is the one to trust. (A
        // configured limit below the provider's also keeps its own bucket this way.)
        old.level = Math.min(levelAt(old, now), fresh.level);
        old.at = now;
        old.fullAt = fresh.fullAt;
      } else {
        fresh.level = Math.min(fresh.level, fresh.capacity);
        s.buckets[dim] = fresh;
      }
    }
  }

  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void {
    if (this.#disposed) return;
    const s = this.#state(model, true)!;
    const now = this.#clock.now();
    if (weight !== undefined) {
      let w: CallWeight | number | undefined;
      const lazy = () => (w ??= weightOf(weight));
      if (this.#unexplained(s, lazy, now)) {
        // The provider is empty in a window its headers do not show: start from empty, with a smaller burst.
        s.burst = Math.max(MIN_BURST, s.burst / 2);
        for (const dim of DIMS) {
          const b = s.buckets[dim];
          if (!b || !Number.isFinite(b.capacity)) continue;
          b.capacity = Math.max(1, b.capacity / 2, b.ratePerMs * 60_000 * MIN_BURST);
          b.level = Math.min(levelAt(b, now), 0);
          b.at = now;
        }
      } else {
        this.#giveBack(s, lazy);
      }
    }
    const until = now + (retryAfterMs ?? DEFAULT_429_HOLD_MS);
    if (until > s.heldUntil) s.heldUntil = until;
  }

  /** The 429's own headers (read just now) still showed room for the call in every dimension they carry. */
  #unexplained(s: ModelState, weight: () => CallWeight | number, now: number): boolean {
    const info = s.last;
    if (!info || info.observedAt !== now) return false;
    let seen = false;
    for (const dim of DIMS) {
      const remaining = info[dim]?.remaining;
      if (remaining === undefined) continue;
      seen = true;
      if (remaining < (dim === 'requests' ? 1 : share(dim, weight()))) return false;
    }
    return seen;
  }

  waiting(model: string): number {
    return this.#states.get(model)?.waiting ?? 0;
  }

  forget(model: string): void {
    const s = this.#states.get(model);
    if (s && s.inFlight === 0 && s.waiting === 0) this.#states.delete(model);
  }

  snapshot(): Readonly<Record<string, ModelLimitSnapshot>> {
    const now = this.#clock.now();
    const out: Record<string, ModelLimitSnapshot> = {};
    for (const [model, s] of this.#states) {
      const view: { -readonly [K in keyof ModelLimitSnapshot]: ModelLimitSnapshot[K] } = { inFlight: s.inFlight, waiting: s.waiting, heldForMs: Math.max(0, s.heldUntil - now) };
      for (const dim of DIMS) {
        const b = s.buckets[dim];
        if (b) view[dim] = { available: Math.floor(levelAt(b, now)), capacity: b.capacity, perMinute: Math.round(b.ratePerMs * 60_000) };
      }
      out[model] = view;
    }
    return out;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const stop of [...this.#timers]) stop(new DisposedError());
    this.#states.clear();
  }
}
