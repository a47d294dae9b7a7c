import { type Clock, systemClock } from '../clock/clock.js';
import { DisposedError, NoCapacityError } from '../errors/errors.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { countEarly, giveShareBack, occupy, slotFree, takeShare, takeSlot } from './account.js';
import { giveBack, levelAt, perMinute, waitFor } from './bucket.js';
import { type LimitsOptions, type ModelLimits, type ResolvedLimits, markDefaultWait, resolveLimits } from './options.js';
import { noteSent } from './share.js';
import { Flights } from './flights.js';
import { Queue } from './queue.js';
import type { Release } from './slots.js';
import type { AdmitOptions, CallWeight, LimitWaitReason, Limiter, LimiterEmitter, ModelLimitSnapshot } from './types.js';
import { TaskMemory } from './tasks.js';
import { learnOutput } from './deadline.js';
import { shareRoom } from './turns.js';
import { DIMS, type ModelState, after429, learnFromHeaders, noEarly, shrinkBurst, unexplained, unitsOf, weightOf } from './learn.js';

export type { Release } from './slots.js';
export type { AdmitOptions, BucketSnapshot, CallWeight, LimitWaitEvent, LimitWaitReason, Limiter, LimiterEmitter, LimiterEvents, ModelLimitSnapshot } from './types.js';

const NOOP: Release = () => {};
/** How long a 429 without Retry-After steers calls away from its model. */
export const DEFAULT_429_HOLD_MS = 1_000;
export { NEW_TASK_MAX_WAIT_MS, NEW_TASK_QUEUE } from './turns.js';

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

/**
 * Per-model admission on the injected clock: token buckets for requests and
 * tokens that follow the provider's rate-limit headers and refill at its rate
 * between them, a concurrency cap, and a hold after a 429. A call waits only
 * for its own share to refill, spills to a later model when that one can serve
 * sooner, and never waits past `maxWaitMs` (a call that states its deadline:
 * past the moment it could still finish by it).
 *
 * @example
 * const limiter = createLimiter({ models: { 'gpt-4.1': { maxConcurrent: 4, tokensPerMinute: 30_000 } } }, { clock });
 * const release = await limiter.admit('gpt-4.1', { weight: { inputTokens: 1_000, outputTokens: 256 }, signal });
 * try { await call(); } finally { release(); }
 */
export function createLimiter(options: LimitsOptions | undefined, deps: { clock?: Clock; emitter?: LimiterEmitter } = {}): Limiter {
  const resolved = resolveLimits(options);
  const configured = resolved.default !== undefined || Object.keys(resolved.models).length > 0;
  return resolved.respectHeaders || configured ? markDefaultWait(new ModelLimiter(resolved, deps.clock ?? systemClock, deps.emitter), options) : OFF;
}

/**
 * Admission options as the client's pipeline passes them: `at` is the clock's time it read just
 * before asking (for the attempt's start), set only for the length of the `admit` call. Admission
 * decides at that time instead of reading the clock again. Not part of {@link AdmitOptions}.
 */
interface TimedAdmit extends AdmitOptions {
  readonly at?: number | undefined;
}

/**
 * The client's own admission options, where a call admitted at once while headers are followed
 * takes its flight without a release closure (decision 0063): the limiter sets the model's
 * {@link Flights} and the state whose slot the call took, and answers the call's place in the
 * send order; the caller ends it once with `flights.end(seq, slot)`. A queued call still gets a
 * release.
 */
export interface FlightSink extends TimedAdmit {
  flights: Flights | undefined;
  slot: ModelState | undefined;
}

/** {@link Limiter.admit} for the client's own pipeline: with this module's limiter, a number is a flight taken into `options` (see {@link FlightSink}). */
export let admitFlight: (limiter: Limiter, model: string, options: FlightSink) => Release | Promise<Release> | number;

/** A model's admission state and, while headers are followed, its calls in flight (created with its first call). */
interface Tracked extends ModelState {
  flights: Flights | undefined;
}

/** No bucket yet: neither a configured rate nor headers that gave one. */
const bucketless = (s: ModelState): boolean => {
  const b = s.buckets;
  return b.requests === undefined && b.tokens === undefined && b.inputTokens === undefined && b.outputTokens === undefined;
};

class ModelLimiter implements Limiter {
  readonly enabled = true;
  readonly #o: ResolvedLimits;
  readonly #clock: Clock;
  readonly #states = new Map<string, Tracked>();
  /** The model admitted last and its state: a call reads it at admission and again when it ends. */
  #lastModel: string | undefined;
  #lastState: Tracked | undefined;
  readonly #tasks = new TaskMemory();
  readonly #queue: Queue;
  #disposed = false;
  /** The smallest burst a window the headers do not show left on any model: the provider's policy, assumed on every model. */
  #shortest = 1;
  /** The dimension that decided the last `#waitMs` (for the event). */
  #reason: LimitWaitReason = 'requests';

  constructor(o: ResolvedLimits, clock: Clock, emitter: LimiterEmitter | undefined) {
    this.#o = o;
    this.#clock = clock;
    this.#queue = new Queue(o, clock, emitter, this.#tasks, () => this.#disposed, (s, weight) => this.#send(s, weight) as Release);
  }

  static {
    admitFlight = (limiter, model, options) => (#states in limiter ? limiter.#admit(model, options, options) : limiter.admit(model, options));
  }

  /** A call admitted now: its concurrency slot, and its flight while headers are followed (which weighs it; into `sink` when given). */
  #send(s: ModelState, weight: () => CallWeight | number, sink?: FlightSink): Release | number {
    if (!this.#o.respectHeaders) return occupy(s);
    // Every state is created by #state, as a Tracked. The flight's end gives the slot back too.
    const t = s as Tracked;
    const slot = takeSlot(s) ? s : undefined;
    return this.#fly(t, weight(), slot, sink);
  }

  /** The call's flight: a release closure, or its place in the send order with the flight's list and slot set in `sink`. */
  #fly(s: Tracked, w: CallWeight | number, slot: ModelState | undefined, sink: FlightSink | undefined): Release | number {
    const flights = (s.flights ??= new Flights());
    if (!sink) return flights.start(w, NOOP, slot);
    sink.flights = flights;
    sink.slot = slot;
    return flights.begin(w);
  }

  /**
   * A call to a model with no bucket yet (no headers so far, no rate configured), with a slot free
   * and no 429 hold: admitted at once, as the general path would, without its loops and closures.
   * While headers are followed the call is weighed once (every admitted call is: its weight is
   * counted in flight, and a later reading or a 429 reads it as of now), counted among the first
   * calls a first reading needs, and listed in flight.
   */
  #admitBare(s: Tracked, options: AdmitOptions | undefined, now: number, sink: FlightSink | undefined): Release | number {
    if (!this.#o.respectHeaders) {
      this.#tasks.started(options?.taskId, now);
      return occupy(s);
    }
    const w = weightOf(options?.weight);
    countEarly(s, w);
    this.#tasks.started(options?.taskId, now);
    return this.#fly(s, w, takeSlot(s) ? s : undefined, sink);
  }

  #limitsOf(model: string): ModelLimits | undefined {
    return Object.hasOwn(this.#o.models, model) ? this.#o.models[model] : this.#o.default;
  }

  /** Created on first need: a model with no limits and no headers yet costs no state. */
  #state(model: string, create: boolean): Tracked | undefined {
    if (model === this.#lastModel) return this.#lastState;
    const found = this.#states.get(model);
    if (found) {
      this.#lastModel = model;
      this.#lastState = found;
    }
    if (found || !create) return found;
    const limits = this.#limitsOf(model);
    const now = this.#clock.now();
    const s: Tracked = { limits, buckets: {}, inFlight: 0, waiting: 0, slotWaiters: [], heldUntil: 0, observedAt: -Infinity, last: undefined, burst: 1, share: {}, backoff: { factor: 1, at: now }, early: this.#o.respectHeaders ? noEarly() : undefined, flights: undefined };
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
      const ms = waitFor(b, dim === 'requests' ? 1 + this.#o.minRemainingRequests : unitsOf(dim, w!), now);
      if (ms > wait) {
        wait = ms;
        this.#reason = dim;
      }
    }
    return wait;
  }

  available(model: string, weight?: AdmitOptions['weight']): boolean {
    const s = this.#state(model, false);
    if (!s) return true;
    const now = this.#clock.now();
    return slotFree(s) && s.heldUntil <= now && this.#waitMs(s, weight, now) === 0;
  }

  /**
   * How soon `s` could serve, for choosing where to spill: a model held after a
   * 429 never (it is avoided while another has room), else its bucket wait.
   */
  #spillWait(s: ModelState, weight: AdmitOptions['weight'], now: number): number {
    if (s.heldUntil > now || !slotFree(s)) return Infinity;
    return this.#waitMs(s, weight, now);
  }

  admit(model: string, options?: AdmitOptions): Release | Promise<Release> {
    return this.#admit(model, options, undefined) as Release | Promise<Release>;
  }

  #admit(model: string, options: AdmitOptions | undefined, sink: FlightSink | undefined): Release | Promise<Release> | number {
    if (this.#disposed) return Promise.reject(new DisposedError());
    // Headers will be read: the model's state exists from its first call, to count what it sends before them.
    const s = this.#state(model, this.#o.respectHeaders || this.#limitsOf(model) !== undefined);
    if (!s) return NOOP; // nothing configured, headers ignored
    const at = (options as TimedAdmit | undefined)?.at;
    const now = typeof at === 'number' ? at : this.#clock.now();
    if (bucketless(s) && s.heldUntil <= now && slotFree(s)) return this.#admitBare(s, options, now, sink);
    return this.#admitWeighed(model, s, options, now, sink);
  }

  /**
   * {@link admit} once the model has a bucket, a 429 hold or a full slot. A method of its own: the
   * weight's closure here captures the options, and a function whose variables are captured builds
   * their context on entry, the at-once path through {@link #admitBare} included.
   */
  #admitWeighed(model: string, s: Tracked, options: AdmitOptions | undefined, now: number, sink: FlightSink | undefined): Release | Promise<Release> | number {
    // One weight per call, computed at most once.
    let weight: CallWeight | number | undefined;
    const lazy = () => (weight ??= weightOf(options?.weight));
    const wait = this.#waitMs(s, lazy, now);
    const reason: LimitWaitReason = wait > 0 ? this.#reason : 'concurrency';
    const slot = slotFree(s);
    const held = s.heldUntil > now;
    const taskId = options?.taskId;
    if (wait === 0 && slot && !held) {
      takeShare(s, lazy, now);
      this.#tasks.started(taskId, now);
      return this.#send(s, lazy, sink);
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
      takeShare(s, lazy, now);
      this.#tasks.started(taskId, now);
      return this.#send(s, lazy, sink);
    }
    return this.#queue.enqueue(s, { model, weight: lazy, wait, slot, reason, options }, now);
  }

  observe(model: string, info: RateLimitInfo): void {
    if (!this.#o.respectHeaders || this.#disposed) return;
    const s = this.#state(model, true)!;
    if (s.observedAt > info.observedAt) return; // a late answer to an older call
    s.observedAt = info.observedAt;
    s.last = info;
    s.burst = Math.min(s.burst, this.#shortest);
    learnFromHeaders(s, info);
    shareRoom(s, info, info.observedAt);
    s.flights?.reconcile(s, info, info.observedAt);
  }

  throttled(model: string, retryAfterMs: number | undefined, weight?: AdmitOptions['weight']): void {
    if (this.#disposed) return;
    const s = this.#state(model, true)!;
    const now = this.#clock.now();
    after429(s, now);
    if (weight !== undefined) {
      let w: CallWeight | number | undefined;
      const lazy = () => (w ??= weightOf(weight));
      const surprise = unexplained(s, lazy, now);
      giveShareBack(s, lazy, now, surprise);
      if (surprise) this.#shortest = Math.min(this.#shortest, shrinkBurst(s, now));
    }
    const until = now + (retryAfterMs ?? DEFAULT_429_HOLD_MS);
    if (until > s.heldUntil) s.heldUntil = until;
  }

  used(model: string, weight: AdmitOptions['weight'], usage: { readonly outputTokens: number; readonly inputTokens?: number }): void {
    const s = this.#state(model, false);
    if (!s || this.#disposed) return;
    const out = s.buckets.outputTokens;
    const input = s.buckets.inputTokens;
    // Nothing to give back. While headers are followed the call was weighed when it was admitted, so
    // its weight need not be read; otherwise reading it first keeps the learned weights aged as before.
    if (!out && !input && this.#o.respectHeaders) return;
    const w = weightOf(weight);
    const now = this.#clock.now();
    if (out) learnOutput(s, unitsOf('outputTokens', w), usage.outputTokens);
    const unused = out ? unitsOf('outputTokens', w) - usage.outputTokens : 0;
    if (unused > 0) giveBack(out!, unused, now);
    // The provider counts the real input; what the estimate counted beyond it was never used, by this process either.
    const over = input && usage.inputTokens !== undefined ? unitsOf('inputTokens', w) - usage.inputTokens : 0;
    if (over > 0) {
      giveBack(input!, over, now);
      const d = s.share.inputTokens;
      if (d) noteSent(d, -over, now);
    }
  }

  waiting(model: string): number {
    return this.#states.get(model)?.waiting ?? 0;
  }

  forget(model: string): void {
    const s = this.#states.get(model);
    if (s && s.inFlight === 0 && s.waiting === 0) {
      this.#states.delete(model);
      if (model === this.#lastModel) this.#lastModel = this.#lastState = undefined;
    }
  }

  snapshot(): Readonly<Record<string, ModelLimitSnapshot>> {
    const now = this.#clock.now();
    const out: Record<string, ModelLimitSnapshot> = {};
    for (const [model, s] of this.#states) {
      if (s.observedAt === -Infinity && s.limits === undefined && s.heldUntil === 0) continue; // no headers yet: nothing to show
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
    this.#queue.stopAll(new DisposedError());
    this.#states.clear();
    this.#lastModel = this.#lastState = undefined;
    this.#tasks.clear();
  }
}
