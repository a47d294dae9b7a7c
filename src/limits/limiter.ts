import Bottleneck from 'bottleneck';
import { type Clock, type TimerHandle, systemClock } from '../clock/clock.js';
import { onAbort } from '../clock/signals.js';
import { DisposedError, QueueFullError } from '../errors/errors.js';
import type { EventBase } from '../events/events.js';
import type { RateLimitInfo } from '../providers/ratelimit-headers.js';
import { headroomWaitUntil } from './headroom.js';
import { hold, race } from './slots.js';
import { type LimitsOptions, type ModelLimits, type ResolvedLimits, resolveLimits } from './options.js';

import type { Release } from './slots.js';

export type { Release } from './slots.js';

export interface LimitWaitEvent extends EventBase {
  readonly model: string;
  /** How long admission holds the call, in ms. */
  readonly waitMs: number;
  /** Why: the provider's headers said too few requests or tokens remain before the reset. */
  readonly reason: 'headers';
}

export interface LimiterEvents {
  'limit:wait': LimitWaitEvent;
}

export interface LimiterEmitter {
  wants(name: keyof LimiterEvents): boolean;
  emit<K extends keyof LimiterEvents>(name: K, payload: LimiterEvents[K]): void;
}

export interface AdmitOptions {
  /** Tokens the call reserves; its weight against `tokensPerMinute` and header headroom. @default 1 */
  readonly weight?: number;
  readonly signal?: AbortSignal;
  readonly taskId?: string;
}

export interface Limiter {
  /** False when no limits were configured: `admit` then returns a no-op release synchronously. */
  readonly enabled: boolean;
  /**
   * Waits for a slot on `model`. Returns the release synchronously when nothing is
   * configured for that model. Rejects at once with `QueueFullError` when `maxQueue`
   * calls already wait, with the signal's reason on abort, with `DisposedError` on dispose.
   */
  admit(model: string, options?: AdmitOptions): Release | Promise<Release>;
  /** Records the provider's latest rate-limit headers for `model`. */
  observe(model: string, info: RateLimitInfo): void;
  /** Calls waiting for admission on `model`. */
  waiting(model: string): number;
  /** Stops the refill timer, rejects waiting calls with `DisposedError`. Safe to call twice. */
  dispose(): void;
}

const NOOP: Release = () => {};
const WINDOW_MS = 60_000;

const OFF: Limiter = Object.freeze({
  enabled: false,
  admit: () => NOOP,
  observe() {},
  waiting: () => 0,
  dispose() {},
});

interface ModelState {
  readonly limits: ModelLimits | undefined;
  /** Concurrency and requests per minute (weight 1 per call, held until release). */
  readonly requests: Bottleneck | undefined;
  /** Tokens per minute (weight = reserved tokens, released at once). */
  readonly tokens: Bottleneck | undefined;
  waiting: number;
  /** End of the current one-minute window; undefined while idle. */
  windowEnd: number | undefined;
  info: RateLimitInfo | undefined;
  spentRequests: number;
  spentTokens: number;
}

/**
 * Per-model client-side limits on bottleneck, with time from `clock`.
 *
 * Bottleneck's own reservoir refresh runs on a real `setInterval`; instead, one
 * clock timer (for all models) refills the reservoirs at the end of each
 * one-minute window through `updateSettings`. What bottleneck still does on real
 * timers is measured in docs/decisions/0001-bottleneck-timers.md.
 *
 * @example
 * const limiter = createLimiter({ models: { 'gpt-4.1': { maxConcurrent: 4, tokensPerMinute: 30_000 } } }, { clock });
 * const release = await limiter.admit('gpt-4.1', { weight: 1_200, signal });
 * try { await call(); } finally { release(); }
 */
export function createLimiter(options: LimitsOptions | undefined, deps: { clock?: Clock; emitter?: LimiterEmitter } = {}): Limiter {
  const resolved = resolveLimits(options);
  return resolved ? new ModelLimiter(resolved, deps.clock ?? systemClock, deps.emitter) : OFF;
}

class ModelLimiter implements Limiter {
  readonly enabled = true;
  readonly #o: ResolvedLimits;
  readonly #clock: Clock;
  readonly #emitter: LimiterEmitter | undefined;
  readonly #states = new Map<string, ModelState>();
  readonly #dispose = new AbortController();
  readonly #sleepers = new Set<(error: unknown) => void>();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  constructor(o: ResolvedLimits, clock: Clock, emitter: LimiterEmitter | undefined) {
    this.#o = o;
    this.#clock = clock;
    this.#emitter = emitter;
  }

  #state(model: string): ModelState {
    let s = this.#states.get(model);
    if (s) return s;
    const limits = Object.hasOwn(this.#o.models, model) ? this.#o.models[model] : this.#o.default;
    const mc = limits?.maxConcurrent;
    const rpm = limits?.requestsPerMinute;
    const tpm = limits?.tokensPerMinute;
    s = {
      limits,
      requests: mc || rpm ? new Bottleneck({ maxConcurrent: mc ?? null, reservoir: rpm ?? null, minTime: 0 }) : undefined,
      tokens: tpm ? new Bottleneck({ maxConcurrent: null, reservoir: tpm, minTime: 0 }) : undefined,
      waiting: 0,
      windowEnd: undefined,
      info: undefined,
      spentRequests: 0,
      spentTokens: 0,
    };
    this.#states.set(model, s);
    return s;
  }

  admit(model: string, options?: AdmitOptions): Release | Promise<Release> {
    if (this.#dispose.signal.aborted) return Promise.reject(new DisposedError());
    const s = this.#state(model);
    const headers = this.#o.respectHeaders && s.info !== undefined;
    if (!s.requests && !s.tokens && !headers) return NOOP;
    if (s.waiting >= this.#o.maxQueue) return Promise.reject(new QueueFullError(model, this.#o.maxQueue));
    return this.#admit(s, model, options);
  }

  async #admit(s: ModelState, model: string, options: AdmitOptions | undefined): Promise<Release> {
    const weight = Math.max(0, options?.weight ?? 1);
    // Only the caller's signal gets listeners: dispose reaches waiting calls through
    // bottleneck's stop() and our own sleeper list, so no listener piles up per call.
    const signal = options?.signal;
    s.waiting++;
    try {
      signal?.throwIfAborted();
      if (this.#o.respectHeaders && s.info) await this.#waitForHeadroom(s, model, weight, signal, options?.taskId);
      if (s.tokens) {
        this.#openWindow(s);
        // A call heavier than the whole minute would wait forever; it takes the whole minute instead.
        const w = Math.min(weight, s.limits!.tokensPerMinute!);
        await race(s.tokens.schedule({ weight: w }, () => Promise.resolve()), signal);
      }
      let release = NOOP;
      if (s.requests) {
        if (s.limits?.requestsPerMinute) this.#openWindow(s);
        release = await hold(s.requests, signal);
      }
      s.spentRequests++;
      s.spentTokens += weight;
      return release;
    } catch (error) {
      throw this.#dispose.signal.aborted ? new DisposedError() : error;
    } finally {
      s.waiting--;
    }
  }

  async #waitForHeadroom(s: ModelState, model: string, weight: number, signal: AbortSignal | undefined, taskId: string | undefined): Promise<void> {
    const now = this.#clock.now();
    const until = headroomWaitUntil(s.info, { requests: s.spentRequests, tokens: s.spentTokens }, weight, now, this.#o.minRemainingRequests);
    if (until === undefined) return;
    const waitMs = until - now;
    // A reset further away than the cap is the provider's to enforce (429 + Retry-After → retry or fall back).
    if (waitMs > this.#o.maxHeaderWaitMs) return;
    const e = this.#emitter;
    if (e?.wants('limit:wait')) e.emit('limit:wait', { timestamp: now, ...(taskId !== undefined ? { taskId } : {}), model, waitMs, reason: 'headers' });
    await this.#sleep(waitMs, signal);
    // The window those headers described is over; the next response brings fresh ones.
    if (s.info && this.#clock.now() >= until) s.info = undefined;
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
        this.#sleepers.delete(stop);
        off?.();
      };
      const handle = this.#clock.setTimeout(() => {
        finish();
        resolve();
      }, ms);
      this.#sleepers.add(stop);
      if (signal) off = onAbort(signal, () => stop(signal.reason));
    });
  }

  observe(model: string, info: RateLimitInfo): void {
    if (!this.#o.respectHeaders || this.#dispose.signal.aborted) return;
    const s = this.#state(model);
    if (s.info && s.info.observedAt > info.observedAt) return; // a late answer to an older call
    s.info = info;
    s.spentRequests = 0;
    s.spentTokens = 0;
  }

  waiting(model: string): number {
    return this.#states.get(model)?.waiting ?? 0;
  }

  #openWindow(s: ModelState): void {
    if (s.windowEnd !== undefined) return;
    s.windowEnd = this.#clock.now() + WINDOW_MS;
    this.#arm();
  }

  /** One timer for every model: armed at the earliest window end. */
  #arm(): void {
    let next = Infinity;
    for (const s of this.#states.values()) if (s.windowEnd !== undefined && s.windowEnd < next) next = s.windowEnd;
    if (next === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = next;
    if (next === Infinity) return;
    this.#timer = this.#clock.setTimeout(() => this.#refill(), Math.max(0, next - this.#clock.now()));
  }

  #refill(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#dispose.signal.aborted) return;
    const now = this.#clock.now();
    for (const s of this.#states.values()) {
      if (s.windowEnd === undefined || s.windowEnd > now) continue;
      const rpm = s.limits?.requestsPerMinute;
      const tpm = s.limits?.tokensPerMinute;
      // updateSettings refills to the full amount and drains the queue (bottleneck ≥ 2.0).
      if (rpm && s.requests) void s.requests.updateSettings({ reservoir: rpm });
      if (tpm && s.tokens) void s.tokens.updateSettings({ reservoir: tpm });
      s.windowEnd = s.waiting > 0 ? now + WINDOW_MS : undefined;
    }
    this.#arm();
  }

  dispose(): void {
    if (this.#dispose.signal.aborted) return;
    this.#dispose.abort(new DisposedError());
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stop of [...this.#sleepers]) stop(new DisposedError());
    for (const s of this.#states.values()) {
      for (const b of [s.requests, s.tokens]) b?.stop({ dropWaitingJobs: true }).catch(() => {});
    }
    this.#states.clear();
  }
}
