import type { Clock } from '../clock/clock.js';
import { onAbort } from '../clock/signals.js';
import { CircuitOpenError } from '../errors/errors.js';
import type { BreakerState } from '../events/events.js';
import type { ResolvedBreaker } from './options.js';
import { LazyRotation } from './rotation.js';
import { SlowCallRate, openPeriodMs } from './slow.js';
import { fireClosed } from './closed.js';
import { BreakerCounting } from './counting.js';
import { type Engine, type Judgement, type Neutral, createEngine, isNeutral } from './engine.js';

export type { Judgement } from './engine.js';
export type { Counter } from './closed.js';

/** Why a breaker opened. */
export type OpenReason = 'failures' | 'slow_calls' | 'quota';

export interface BreakerHooks {
  onTransition(model: string, state: BreakerState, retryAfterMs?: number, open?: { readonly reason: OpenReason; readonly trips: number }): void;
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
  /**
   * Slow attempts, and the attempts timed against the slow-call threshold, in the current window:
   * both 0 until there is a threshold (`breaker.slowCallDurationMs`, or half the derived deadline).
   */
  readonly slowCalls: number;
  readonly calls: number;
}

const NO_SLOW_CALLS = Object.freeze({ calls: 0, slow: 0 });

/**
 * One model's circuit breaker: opossum counts and decides, the injected clock
 * owns every timing decision (window rotation, reset to half-open). Its
 * opossum instance is created when first needed — at the model's first
 * counted failure, or when the breaker must open — and until then a
 * tally of its window counts the calls, replayed into opossum's window when it
 * is created (decision record 0019): a model that never fails holds no opossum.
 * This class decides the states (open periods, half-open probes, slow calls,
 * quotas); what it counts and the closed path's counting are
 * {@link BreakerCounting}'s.
 */
export class ModelBreaker extends BreakerCounting {
  readonly model: string;
  readonly #hooks: BreakerHooks;
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
  /** Created when an attempt first has a slow threshold to be measured against. */
  #slow: SlowCallRate | undefined;
  /** A half-open probe was let through and has not reported its duration yet. */
  #probeOut = false;
  #disposed = false;

  constructor(model: string, options: ResolvedBreaker, clock: Clock, hooks: BreakerHooks) {
    super(options, clock);
    this.model = model;
    this.#hooks = hooks;
    this.#openForMs = options.resetTimeoutMs;
  }

  #create(halfOpen: boolean): Engine {
    const rotation = (this.rotation = new LazyRotation());
    const cb: Engine = createEngine(this.model, this.options, rotation, (error, neutral) => this.#filter(cb, error, neutral), halfOpen);
    cb.on('open', () => this.#onOpen());
    cb.on('close', () => {
      const now = this.clock.now();
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
    const now = this.clock.now();
    const o = this.options;
    const healthyFor = Math.max(o.resetTimeoutMs, o.maxResetTimeoutMs);
    // Only a breaker that had been closed for a sustained spell forgets its trips (a failed probe never does).
    if (now - this.#closedSince >= healthyFor) this.#trips = 0;
    this.#closedSince = Number.POSITIVE_INFINITY;
    this.#trips++;
    const quota = this.#lastFailure?.kind === 'quota';
    const reason: OpenReason = this.#opening ?? (quota ? 'quota' : 'failures');
    this.#opening = undefined;
    this.#openForMs = openPeriodMs(reason === 'quota', this.#trips, this.#lastFailure?.retryAfterMs, o);
    this.#openedAt = now;
    this.#slow?.reset();
    this.#hooks.onTransition(this.model, 'open', this.#openForMs, { reason, trips: this.#trips });
  }

  /** Opens the breaker through opossum's public `open()`, for a reason its error rate cannot see. */
  #trip(reason: OpenReason): void {
    // Before opossum has loaded, the open waits for it (decision record 0012, fifth amendment).
    if (this.tallied?.mustDefer) return void this.tallied.defer(() => this.#trip(reason)).catch(() => {});
    const cb = this.engine ?? this.promote();
    if (cb.opened) return;
    this.#opening = reason;
    cb.open();
  }

  /**
   * Creates the opossum breaker of a breaker that has been closed since it was
   * made, and replays the tally into its window, bucket by bucket: from here
   * on it counts and decides exactly as if it had seen every call.
   */
  promote(): Engine {
    this.catchUp(this.clock.now());
    const calls = this.tallied!;
    const cb = this.#create(false);
    calls.tally.replay(cb, () => this.rotation!.rotate(1));
    calls.handOver(cb);
    this.tallied = undefined;
    this.engine = cb;
    // A call that outlived dispose() failed: it may count, but opens nothing and arms no timer (as before dispose).
    if (this.#disposed) cb.shutdown();
    return cb;
  }

  /** How long an attempt may run before it is slow: `slowCallDurationMs`, else `derivedMs`. */
  slowThreshold(derivedMs: number | undefined): number | undefined {
    return this.options.slowCallDurationMs ?? derivedMs;
  }

  /**
   * An attempt that ran through the breaker ended after `latencyMs` (success or
   * a counted failure). Slow ones feed the slow-call rate, which opens the
   * breaker at `slowCallRateThreshold`; a slow half-open probe re-opens it even
   * though it succeeded. `slowMs` undefined: nothing is slow yet. `now`: the
   * clock's time the attempt ended, when the caller has just read it.
   */
  noteDuration(latencyMs: number, slowMs: number | undefined, now?: number): void {
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
    if (this.engine && !this.engine.closed) return;
    const rate = (this.#slow ??= new SlowCallRate(this.options.rollingWindowMs, this.options.rollingBuckets));
    if (rate.record(now ?? this.clock.now(), slow, this.options)) this.#trip('slow_calls');
  }

  /** Plain data for the snapshot. */
  info(now = this.clock.now()): BreakerInfo {
    const w = this.#slow?.totals(now) ?? NO_SLOW_CALLS;
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

  /** The state as of now on the clock (an open breaker past its reset reads as half-open). */
  state(now = this.clock.now()): BreakerState {
    const cb = this.engine;
    if (!cb) return 'closed';
    if (cb.halfOpen) return 'half-open';
    if (cb.opened) return now - this.#openedAt >= this.#openForMs ? 'half-open' : 'open';
    return 'closed';
  }

  /** Total ms spent open, including the current episode. */
  openMs(now = this.clock.now()): number {
    const cb = this.engine;
    return this.#openMsTotal + (cb && (cb.opened || cb.halfOpen) ? now - this.#openedAt : 0);
  }

  /** Time until a probe is allowed, or 0 when calls may go through. */
  retryAfterMs(now = this.clock.now()): number {
    if (!this.engine?.opened) return 0;
    return Math.max(0, this.#openedAt + this.#openForMs - now);
  }

  /**
   * Moves an open breaker whose reset time has come to half-open, using
   * opossum's documented state restore (a new instance that starts half-open
   * with a fresh window, so old failures do not re-open it after recovery).
   */
  #maybeHalfOpen(now: number): void {
    if (!this.engine?.opened || now - this.#openedAt < this.#openForMs) return;
    this.#reviveHalfOpen();
  }

  #reviveHalfOpen(announce = true): void {
    this.#probeOut = false;
    this.engine!.shutdown(); // clears opossum's own reset timer and listeners
    this.engine = this.#create(true);
    this.lastRotation = this.clock.now();
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
   * has even settled. `now`: the clock's time, when the caller has just read it.
   */
  execute<T>(thunk: () => Promise<T>, neutral: (error: unknown) => boolean | Judgement, signal?: AbortSignal, now = this.clock.now()): Promise<T> {
    if (now - this.lastRotation >= this.bucketMs) this.catchUp(now);
    const cb = this.engine;
    // Never failed: counted by the tally, no opossum instance yet (decision 0019).
    if (!cb) return this.tallied!.fire(thunk, neutral);
    // Closed: opossum counts and decides as ever, without its own promise chain per call (decision 0013).
    if (cb.closed) return fireClosed(cb, thunk, neutral, this);
    this.#maybeHalfOpen(now);
    const engine = this.engine!;
    if (!engine.closed && !engine.pendingClose) return Promise.reject(new CircuitOpenError(this.model, this.retryAfterMs(now)));
    if (engine.halfOpen) {
      this.#probeOut = true;
      if (signal) return this.#probe(engine, thunk, neutral, signal);
    }
    return engine.fire(thunk, neutral) as Promise<T>;
  }

  /** A half-open probe whose caller may abort it: then a fresh half-open breaker lets the next call probe. */
  #probe<T>(engine: Engine, thunk: () => Promise<T>, neutral: Neutral, signal: AbortSignal): Promise<T> {
    const fired = engine.fire(thunk, neutral) as Promise<T>;
    const off = onAbort(signal, () => {
      if (this.engine === engine && engine.halfOpen) this.#reviveHalfOpen(false);
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
    return this.judge(cb, neutral?.(error));
  }

  /** {@link #filter} for a verdict already made (the tallied calls judge a failure before the opossum breaker exists). */
  judge(cb: Engine, verdict: boolean | Judgement | undefined): boolean {
    if (!isNeutral(verdict)) {
      if (this.engine !== cb) return false;
      this.#lastFailure = typeof verdict === 'object' ? verdict : undefined;
      // An exhausted quota does not clear by waiting: open at once, before opossum counts it.
      if (this.#lastFailure?.kind === 'quota' && !cb.opened) this.#trip('quota');
      return false;
    }
    if (cb.halfOpen && this.engine === cb) this.#reviveHalfOpen(false);
    return true;
  }

  dispose(): void {
    this.#disposed = true;
    this.engine?.shutdown();
  }
}
