import { type Clock, systemClock } from '../clock/clock.js';
import { DisposedError } from '../errors/errors.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { giveShareBack, slotFree } from './account.js';
import { giveBack, levelAt, perMinute } from './bucket.js';
import { type LimitsOptions, type ModelLimits, type ResolvedLimits, markDefaultWait, resolveLimits } from './options.js';
import { noteSent } from './share.js';
import { type FlightSink, type TimedAdmit, type Tracked, admitBare, send } from './flight.js';
import { type Weighing, admitWeighed, waitMs } from './weighed.js';
import { Queue } from './queue.js';
import type { Release } from './slots.js';
import type { AdmitOptions, CallWeight, Limiter, LimiterEmitter, ModelLimitSnapshot } from './types.js';
import { TaskMemory } from './tasks.js';
import { learnOutput } from './deadline.js';
import { shareRoom } from './turns.js';
import { DIMS, type ModelState, after429, learnFromHeaders, noEarly, pace, shrinkBurst, unexplained, unitsOf, weightOf } from './learn.js';

export type { Release } from './slots.js';
export type { FlightSink } from './flight.js';
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

/** {@link Limiter.admit} for the client's own pipeline: with this module's limiter, a number is a flight taken into `options` (see {@link FlightSink}). */
export let admitFlight: (limiter: Limiter, model: string, options: FlightSink) => Release | Promise<Release> | number;

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
  readonly #weighing: Weighing;

  constructor(o: ResolvedLimits, clock: Clock, emitter: LimiterEmitter | undefined) {
    this.#o = o;
    this.#clock = clock;
    this.#queue = new Queue(o, clock, emitter, this.#tasks, () => this.#disposed, (s, weight) => send(o, s, weight) as Release);
    this.#weighing = { o, tasks: this.#tasks, queue: this.#queue, state: (model) => this.#state(model, false) };
  }

  static {
    admitFlight = (limiter, model, options) => (#states in limiter ? limiter.#admit(model, options, options) : limiter.admit(model, options));
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
    const s: Tracked = { limits, buckets: {}, inFlight: 0, waiting: 0, slotWaiters: [], heldUntil: 0, observedAt: -Infinity, last: undefined, burst: 1, share: {}, backoff: { factor: 1, at: now }, early: this.#o.respectHeaders ? noEarly() : undefined, flights: undefined, processes: this.#o.processes };
    if (limits?.requestsPerMinute) s.buckets.requests = perMinute(limits.requestsPerMinute, now);
    if (limits?.tokensPerMinute) s.buckets.tokens = perMinute(limits.tokensPerMinute, now);
    if (this.#o.processes > 1) pace(s, now);
    this.#states.set(model, s);
    return s;
  }

  available(model: string, weight?: AdmitOptions['weight']): boolean {
    const s = this.#state(model, false);
    if (!s) return true;
    const now = this.#clock.now();
    return slotFree(s) && s.heldUntil <= now && waitMs(this.#o, s, weight, now) === 0;
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
    if (bucketless(s) && s.heldUntil <= now && slotFree(s)) return admitBare(this.#o, this.#tasks, s, options, now, sink);
    return admitWeighed(this.#weighing, model, s, options, now, sink);
  }

  observe(model: string, info: RateLimitInfo): void {
    if (!this.#o.respectHeaders || this.#disposed) return;
    const s = this.#state(model, true)!;
    if (s.observedAt > info.observedAt) return; // a late answer to an older call
    s.observedAt = info.observedAt;
    s.last = info;
    s.burst = Math.min(s.burst, this.#shortest);
    learnFromHeaders(s, info, s.flights?.refunded());
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
    if (unused > 0) {
      giveBack(out!, unused, now);
      s.flights?.refund(unused);
    }
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
