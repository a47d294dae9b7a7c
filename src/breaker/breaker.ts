import CircuitBreaker from 'opossum';
import type { Clock } from '../clock/clock.js';
import { onAbort } from '../clock/signals.js';
import { CircuitOpenError } from '../errors/errors.js';
import type { BreakerState } from '../events/events.js';
import type { ResolvedBreaker } from './options.js';
import { LazyRotation } from './rotation.js';
import { SlowCallRate, learnedOpenMs } from './slow.js';
import { fireClosed } from './closed.js';

/**
 * opossum arms a real `setTimeout(resetTimeout)` whenever it opens. We own the
 * reset on the injected clock instead, so we hand opossum the largest delay a
 * timer accepts (it is unref'd by opossum and cleared on close / shutdown).
 */
const OPOSSUM_RESET_NEVER = 2 ** 31 - 1;

/** The shortest open period a failure's Retry-After can set (a `retry-after: 0` must not turn the breaker into a retry loop). */
const MIN_HINTED_OPEN_MS = 1_000;

/** Why a breaker opened. */
export type OpenReason = 'failures' | 'slow_calls' | 'quota';

export interface BreakerHooks {
  onTransition(model: string, state: BreakerState, retryAfterMs?: number, open?: { readonly reason: OpenReason; readonly trips: number }): void;
}

/**
 * What the breaker needs to know about a failure: whether it counts, and for a
 * quota, how long the provider says it lasts. A `Classification` is one.
 */
export interface Judgement {
  readonly countsAsFailure: boolean;
  readonly kind?: string;
  readonly retryAfterMs?: number;
}

/** The breaker as plain data (the client's snapshot). */
export interface BreakerInfo {
  readonly state: BreakerState;
  readonly retryAfterMs: number;
  readonly openMs: number;
  /** Consecutive trips without a sustained healthy spell; sets the length of the open period. */
  readonly trips: number;
  /** Length of the current (or last) open period. */
  readonly openPeriodMs: number;
  /** Slow attempts and all attempts in the current window. */
  readonly slowCalls: number;
  readonly calls: number;
}

type Thunk = () => Promise<unknown>;
type Neutral = (error: unknown) => boolean | Judgement;
type Engine = CircuitBreaker<[Thunk, Neutral], unknown>;
const invoke = (thunk: Thunk) => thunk();

/**
 * One model's circuit breaker: opossum counts and decides, the injected clock
 * owns every timing decision (window rotation, reset to half-open).
 */
export class ModelBreaker {
  readonly model: string;
  readonly #options: ResolvedBreaker;
  readonly #clock: Clock;
  readonly #hooks: BreakerHooks;
  readonly #bucketMs: number;
  #rotation = new LazyRotation();
  #lastRotation: number;
  #cb: Engine;
  #openedAt = 0;
  /** Milliseconds spent open, summed over closed episodes (the monitor reads it). */
  #openMsTotal = 0;
  /** Length of the current open period: learned from repeated trips, or a quota's. */
  #openForMs: number;
  #trips = 0;
  /** The trips counted before the last close, restored when the probe that closed it was slow. */
  #tripsBeforeClose = 0;
  /** Since when the breaker has been closed (+∞ while open or half-open). */
  #closedSince = Number.NEGATIVE_INFINITY;
  /** The last failure that counted, so the open period can follow its kind (a quota). */
  #lastFailure: Judgement | undefined;
  /** Why the breaker is being opened by us rather than by opossum's error rate. */
  #opening: OpenReason | undefined;
  readonly #slow: SlowCallRate;
  /** A half-open probe was let through and has not reported its duration yet. */
  #probeOut = false;
  /** `#filter`, bound once: the closed-state path calls it for a failure. */
  readonly #filterOn = (engine: Engine, error: unknown, neutral: Neutral) => this.#filter(engine, error, neutral);

  constructor(model: string, options: ResolvedBreaker, clock: Clock, hooks: BreakerHooks) {
    this.model = model;
    this.#options = options;
    this.#clock = clock;
    this.#hooks = hooks;
    this.#bucketMs = options.rollingWindowMs / options.rollingBuckets;
    this.#lastRotation = clock.now();
    this.#openForMs = options.resetTimeoutMs;
    this.#slow = new SlowCallRate(options.rollingWindowMs, options.rollingBuckets);
    this.#cb = this.#create(undefined);
  }

  #create(state: { halfOpen: true } | undefined): Engine {
    this.#rotation = new LazyRotation();
    // eslint-disable-next-line prefer-const -- referenced by errorFilter before assignment completes
    let cb: Engine;
    cb = new CircuitBreaker<[Thunk, Neutral], unknown>(invoke, {
      name: this.model,
      timeout: false, // the client owns timeouts, on its clock
      resetTimeout: OPOSSUM_RESET_NEVER,
      errorThresholdPercentage: this.#options.errorThresholdPercentage,
      volumeThreshold: this.#options.volumeThreshold,
      rollingCountTimeout: this.#options.rollingWindowMs,
      rollingCountBuckets: this.#options.rollingBuckets,
      rollingPercentilesEnabled: false, // it keeps every latency in an array; the monitor has a sketch
      enableSnapshots: false, // snapshots run on a per-breaker interval
      rotateBucketController: this.#rotation as never,
      // opossum passes the fired arguments to errorFilter after the error.
      errorFilter: (error: unknown, _thunk: Thunk, neutral?: Neutral) => this.#filter(cb, error, neutral),
      ...(state ? { state: { closed: false, open: false, halfOpen: true } } : {}),
    } as unknown as CircuitBreaker.Options<[Thunk, Neutral]>);
    cb.on('open', () => this.#onOpen());
    cb.on('close', () => {
      const now = this.#clock.now();
      this.#openMsTotal += now - this.#openedAt;
      this.#closedSince = now;
      // A successful probe: the provider is back, so the next incident starts from the first open period
      // again (unless the probe turns out slow: see noteDuration).
      this.#tripsBeforeClose = this.#trips;
      this.#trips = 0;
      this.#hooks.onTransition(this.model, 'closed');
    });
    return cb;
  }

  /**
   * Every open (opossum's error rate, a failed probe, or ours) lands here and
   * sets the open period: a quota's own, or `resetTimeoutMs` doubled per trip
   * since the last sustained healthy spell, up to `maxResetTimeoutMs`.
   */
  #onOpen(): void {
    const now = this.#clock.now();
    const o = this.#options;
    const healthyFor = Math.max(o.resetTimeoutMs, o.maxResetTimeoutMs);
    // Only a breaker that had been closed for a sustained spell forgets its trips (a failed probe never does).
    if (now - this.#closedSince >= healthyFor) this.#trips = 0;
    this.#closedSince = Number.POSITIVE_INFINITY;
    this.#trips++;
    const quota = this.#lastFailure?.kind === 'quota';
    const reason: OpenReason = this.#opening ?? (quota ? 'quota' : 'failures');
    this.#opening = undefined;
    const hint = this.#lastFailure?.retryAfterMs;
    const hinted = hint !== undefined && hint > 0 ? hint : undefined;
    // The provider's own Retry-After on the failure that opened it says when to look again: sooner than learned, never later.
    this.#openForMs =
      reason === 'quota'
        ? Math.min(o.quotaResetTimeoutMs, hinted ?? o.quotaResetTimeoutMs)
        : Math.min(learnedOpenMs(this.#trips, o.resetTimeoutMs, o.maxResetTimeoutMs), Math.max(MIN_HINTED_OPEN_MS, hinted ?? Infinity));
    this.#openedAt = now;
    this.#slow.reset();
    this.#hooks.onTransition(this.model, 'open', this.#openForMs, { reason, trips: this.#trips });
  }

  /** Opens the breaker through opossum's public `open()`, for a reason its error rate cannot see. */
  #trip(reason: OpenReason): void {
    if (this.#cb.opened) return;
    this.#opening = reason;
    this.#cb.open();
  }

  /**
   * An attempt that ran through the breaker ended after `latencyMs` (success or
   * a counted failure). Slow ones feed the slow-call rate, which opens the
   * breaker at `slowCallRateThreshold`; a slow half-open probe re-opens it even
   * though it succeeded. `slowMs` undefined: nothing is slow yet.
   */
  /** How long an attempt may run before it is slow: `slowCallDurationMs`, else `derivedMs`. */
  slowThreshold(derivedMs: number | undefined): number | undefined {
    return this.#options.slowCallDurationMs ?? derivedMs;
  }

  noteDuration(latencyMs: number, slowMs: number | undefined): void {
    const probe = this.#probeOut;
    this.#probeOut = false;
    const threshold = this.slowThreshold(slowMs);
    if (threshold === undefined) return;
    const slow = latencyMs > threshold;
    if (probe && slow) {
      this.#trips = Math.max(this.#trips, this.#tripsBeforeClose);
      this.#trip('slow_calls');
      return;
    }
    if (!this.#cb.closed) return;
    const w = this.#slow.record(this.#clock.now(), slow);
    if (slow && w.calls >= this.#options.volumeThreshold && (w.slow / w.calls) * 100 >= this.#options.slowCallRateThreshold) this.#trip('slow_calls');
  }

  /** Plain data for the snapshot. */
  info(now = this.#clock.now()): BreakerInfo {
    const w = this.#slow.totals(now);
    return {
      state: this.state(now),
      retryAfterMs: this.retryAfterMs(now),
      openMs: this.openMs(now),
      trips: this.#trips,
      openPeriodMs: this.#openForMs,
      slowCalls: w.slow,
      calls: w.calls,
    };
  }

  #catchUp(now: number): void {
    const elapsed = now - this.#lastRotation;
    if (elapsed < this.#bucketMs) return;
    const steps = Math.floor(elapsed / this.#bucketMs);
    this.#rotation.rotate(Math.min(steps, this.#options.rollingBuckets));
    this.#lastRotation += steps * this.#bucketMs;
  }

  /** The state as of now on the clock (an open breaker past its reset reads as half-open). */
  state(now = this.#clock.now()): BreakerState {
    if (this.#cb.halfOpen) return 'half-open';
    if (this.#cb.opened) return now - this.#openedAt >= this.#openForMs ? 'half-open' : 'open';
    return 'closed';
  }

  /** Total ms spent open, including the current episode. */
  openMs(now = this.#clock.now()): number {
    return this.#openMsTotal + (this.#cb.opened || this.#cb.halfOpen ? now - this.#openedAt : 0);
  }

  /** Time until a probe is allowed, or 0 when calls may go through. */
  retryAfterMs(now = this.#clock.now()): number {
    if (!this.#cb.opened) return 0;
    return Math.max(0, this.#openedAt + this.#openForMs - now);
  }

  /**
   * Moves an open breaker whose reset time has come to half-open, using
   * opossum's documented state restore (a new instance that starts half-open
   * with a fresh window, so old failures do not re-open it after recovery).
   */
  #maybeHalfOpen(now: number): void {
    if (!this.#cb.opened || now - this.#openedAt < this.#openForMs) return;
    this.#reviveHalfOpen();
  }

  #reviveHalfOpen(announce = true): void {
    this.#probeOut = false;
    this.#cb.shutdown(); // clears opossum's own reset timer and listeners
    this.#cb = this.#create({ halfOpen: true });
    this.#lastRotation = this.#clock.now();
    if (announce) this.#hooks.onTransition(this.model, 'half-open');
  }

  /**
   * Runs `thunk` through the breaker. Rejects with {@link CircuitOpenError}
   * without calling it when the breaker is open (or a half-open probe is
   * already in flight). `neutral(error)` marks failures that say nothing about
   * the provider's health (the caller's abort, a 400) — `true`, or a
   * {@link Judgement} with `countsAsFailure: false`: they never count as
   * failures — opossum records them as successes (the provider answered), so
   * they do enter the window's call count. Not `async`: the success path adds
   * no promise hop of its own. When `signal` (the caller's) aborts a half-open
   * probe, the next call becomes the probe at once, before the aborted one
   * has even settled.
   */
  execute<T>(thunk: () => Promise<T>, neutral: (error: unknown) => boolean | Judgement, signal?: AbortSignal): Promise<T> {
    const now = this.#clock.now();
    if (now - this.#lastRotation >= this.#bucketMs) this.#catchUp(now);
    const cb = this.#cb;
    // Closed: opossum counts and decides as ever, without its own promise chain per call (decision 0013).
    if (cb.closed) return fireClosed(cb, thunk, neutral, this.#filterOn, this.#options.errorThresholdPercentage);
    this.#maybeHalfOpen(now);
    if (!this.#cb.closed && !this.#cb.pendingClose) return Promise.reject(new CircuitOpenError(this.model, this.retryAfterMs(now)));
    if (this.#cb.halfOpen) {
      this.#probeOut = true;
      if (signal) return this.#probe(thunk, neutral, signal);
    }
    return this.#cb.fire(thunk, neutral) as Promise<T>;
  }

  /** A half-open probe whose caller may abort it: then a fresh half-open breaker lets the next call probe. */
  #probe<T>(thunk: () => Promise<T>, neutral: Neutral, signal: AbortSignal): Promise<T> {
    const engine = this.#cb;
    const fired = engine.fire(thunk, neutral) as Promise<T>;
    const off = onAbort(signal, () => {
      if (this.#cb === engine && engine.halfOpen) this.#reviveHalfOpen(false);
    });
    fired.then(off, off);
    return fired;
  }

  /**
   * opossum's `errorFilter`: a filtered error is reported as a success, which
   * would close a half-open breaker on the caller's abort. So when a half-open
   * probe ends neutrally we swap in a fresh half-open breaker first; the old
   * one (listeners removed) may then count whatever it likes.
   */
  #filter(cb: Engine, error: unknown, neutral: Neutral | undefined): boolean {
    const verdict = neutral?.(error);
    const isNeutral = typeof verdict === 'boolean' ? verdict : verdict !== undefined && !verdict.countsAsFailure;
    if (!isNeutral) {
      if (this.#cb !== cb) return false;
      this.#lastFailure = typeof verdict === 'object' ? verdict : undefined;
      // An exhausted quota does not clear by waiting: open at once, before opossum counts it.
      if (this.#lastFailure?.kind === 'quota' && !cb.opened) this.#trip('quota');
      return false;
    }
    if (cb.halfOpen && this.#cb === cb) this.#reviveHalfOpen(false);
    return true;
  }

  dispose(): void {
    this.#cb.shutdown();
  }
}
