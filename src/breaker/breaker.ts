import CircuitBreaker from 'opossum';
import type { Clock } from '../clock/clock.js';
import { CircuitOpenError } from '../errors/errors.js';
import type { BreakerState } from '../events/events.js';
import type { ResolvedBreaker } from '../options/options.js';

/**
 * opossum arms a real `setTimeout(resetTimeout)` whenever it opens. We own the
 * reset on the injected clock instead, so we hand opossum the largest delay a
 * timer accepts (it is unref'd by opossum and cleared on close / shutdown).
 */
const OPOSSUM_RESET_NEVER = 2 ** 31 - 1;

export interface BreakerHooks {
  onTransition(model: string, state: BreakerState, retryAfterMs?: number): void;
}

/**
 * A stand-in for the EventEmitter opossum accepts as `rotateBucketController`.
 * opossum only calls `on`, `removeListener` and `listenerCount` on it, so one
 * slot is enough, and we rotate lazily from the clock instead of on an interval:
 * an idle breaker costs no timer and no CPU.
 */
class LazyRotation {
  #rotate: (() => void) | undefined;
  on(_event: string, fn: () => void): this {
    this.#rotate = fn;
    return this;
  }
  removeListener(): this {
    this.#rotate = undefined;
    return this;
  }
  listenerCount(): number {
    return this.#rotate ? 1 : 0;
  }
  rotate(times: number): void {
    for (let i = 0; i < times; i++) this.#rotate?.();
  }
}

type Thunk = () => Promise<unknown>;
type Neutral = (error: unknown) => boolean;
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

  constructor(model: string, options: ResolvedBreaker, clock: Clock, hooks: BreakerHooks) {
    this.model = model;
    this.#options = options;
    this.#clock = clock;
    this.#hooks = hooks;
    this.#bucketMs = options.rollingWindowMs / options.rollingBuckets;
    this.#lastRotation = clock.now();
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
    cb.on('open', () => {
      this.#openedAt = this.#clock.now();
      this.#hooks.onTransition(this.model, 'open', this.#options.resetTimeoutMs);
    });
    cb.on('close', () => {
      this.#openMsTotal += this.#clock.now() - this.#openedAt;
      this.#hooks.onTransition(this.model, 'closed');
    });
    return cb;
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
    if (this.#cb.opened) return now - this.#openedAt >= this.#options.resetTimeoutMs ? 'half-open' : 'open';
    return 'closed';
  }

  /** Total ms spent open, including the current episode. */
  openMs(now = this.#clock.now()): number {
    return this.#openMsTotal + (this.#cb.opened || this.#cb.halfOpen ? now - this.#openedAt : 0);
  }

  /** Time until a probe is allowed, or 0 when calls may go through. */
  retryAfterMs(now = this.#clock.now()): number {
    if (!this.#cb.opened) return 0;
    return Math.max(0, this.#openedAt + this.#options.resetTimeoutMs - now);
  }

  /**
   * Moves an open breaker whose reset time has come to half-open, using
   * opossum's documented state restore (a new instance that starts half-open
   * with a fresh window, so old failures do not re-open it after recovery).
   */
  #maybeHalfOpen(now: number): void {
    if (!this.#cb.opened || now - this.#openedAt < this.#options.resetTimeoutMs) return;
    this.#reviveHalfOpen();
  }

  #reviveHalfOpen(announce = true): void {
    this.#cb.shutdown(); // clears opossum's own reset timer and listeners
    this.#cb = this.#create({ halfOpen: true });
    this.#lastRotation = this.#clock.now();
    if (announce) this.#hooks.onTransition(this.model, 'half-open');
  }

  /**
   * Runs `thunk` through the breaker. Rejects with {@link CircuitOpenError}
   * without calling it when the breaker is open (or a half-open probe is
   * already in flight). `neutral(error)` marks failures that say nothing about
   * the provider's health (the caller's abort, a 400): they never count as
   * failures — opossum records them as successes (the provider answered), so
   * they do enter the window's call count. Not `async`: the success path adds
   * no promise hop of its own.
   */
  execute<T>(thunk: () => Promise<T>, neutral: (error: unknown) => boolean): Promise<T> {
    const now = this.#clock.now();
    if (now - this.#lastRotation >= this.#bucketMs) this.#catchUp(now);
    const cb = this.#cb;
    if (!cb.closed) {
      this.#maybeHalfOpen(now);
      if (!this.#cb.closed && !this.#cb.pendingClose) return Promise.reject(new CircuitOpenError(this.model, this.retryAfterMs(now)));
    }
    return this.#cb.fire(thunk, neutral) as Promise<T>;
  }

  /**
   * opossum's `errorFilter`: a filtered error is reported as a success, which
   * would close a half-open breaker on the caller's abort. So when a half-open
   * probe ends neutrally we swap in a fresh half-open breaker first; the old
   * one (listeners removed) may then count whatever it likes.
   */
  #filter(cb: Engine, error: unknown, neutral: ((e: unknown) => boolean) | undefined): boolean {
    if (!neutral?.(error)) return false;
    if (cb.halfOpen && this.#cb === cb) this.#reviveHalfOpen(false);
    return true;
  }

  dispose(): void {
    this.#cb.shutdown();
  }
}
