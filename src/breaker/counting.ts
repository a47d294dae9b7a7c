import type { Clock } from '../clock/clock.js';
import { type ClosedOwner, type Counter, TalliedCalls, countFailure, countSuccess, countedSuccess } from './closed.js';
import type { Engine, Judgement, Neutral } from './engine.js';
import type { ResolvedBreaker } from './options.js';
import type { LazyRotation } from './rotation.js';

/**
 * What a breaker counts, apart from what it decides: its rolling window kept
 * in step with the clock (rotated lazily on the calls, never on a timer), who
 * counts a call while the breaker is closed — the tally until the model's
 * first counted failure (decision record 0019), then opossum — and the closed
 * path of a caller that runs the call itself (decision record 0045). The
 * breaker's states, open periods and slow calls are {@link ModelBreaker}'s,
 * which extends this.
 */
export abstract class BreakerCounting implements ClosedOwner {
  protected readonly options: ResolvedBreaker;
  protected readonly clock: Clock;
  /** One bucket of the rolling window. */
  protected readonly bucketMs: number;
  /** When the window last rotated (a whole number of buckets after the one before). */
  protected lastRotation: number;
  /** Rotates opossum's window, once it exists. */
  protected rotation: LazyRotation | undefined;
  /** The opossum breaker; undefined until first needed (closed meanwhile). */
  protected engine: Engine | undefined;
  /** The closed path while `engine` is undefined; dropped once it exists. */
  protected tallied: TalliedCalls | undefined;

  constructor(options: ResolvedBreaker, clock: Clock) {
    this.options = options;
    this.clock = clock;
    this.bucketMs = options.rollingWindowMs / options.rollingBuckets;
    this.lastRotation = clock.now();
    this.tallied = new TalliedCalls(options.rollingBuckets, this);
  }

  abstract promote(): Engine;
  abstract execute<T>(thunk: () => Promise<T>, neutral: Neutral): Promise<T>;
  abstract judge(engine: Engine, verdict: boolean | Judgement | undefined): boolean;

  /** Set while a failure waits for opossum's load (decision record 0012, fifth amendment): new attempts start after it. */
  get deferred(): Promise<void> | undefined {
    return this.tallied?.deferred;
  }

  /** The error rate above which opossum opens (the tallied calls apply its rule). */
  get errorThresholdPercentage(): number {
    return this.options.errorThresholdPercentage;
  }

  /** Rotates the window by the whole buckets that passed since its last rotation. */
  protected catchUp(now: number): void {
    const elapsed = now - this.lastRotation;
    if (elapsed < this.bucketMs) return;
    const steps = Math.floor(elapsed / this.bucketMs);
    const times = Math.min(steps, this.options.rollingBuckets);
    if (this.engine) this.rotation!.rotate(times);
    else this.tallied!.tally.rotate(times);
    this.lastRotation += steps * this.bucketMs;
  }

  /**
   * The breaker's closed paths for a caller that runs the call itself
   * (decision record 0045): counts the call's start and returns who counts its
   * end — report it exactly once, by {@link succeeded} or {@link failed} — or
   * returns undefined when the call must go through `execute` (open,
   * half-open, or waiting for opossum's load). No promise of the breaker's own.
   */
  enter(now = this.clock.now()): Counter | undefined {
    if (now - this.lastRotation >= this.bucketMs) this.catchUp(now);
    const cb = this.engine;
    if (!cb) return this.tallied!.enter();
    if (!cb.closed) return undefined;
    cb.emit('fire');
    return cb;
  }

  /** A call {@link enter} counted ended well, counted now; a throw is the count's (the call then fails, as {@link succeeded}'s `fail` would take it). */
  countSucceeded(counter: Counter, value: unknown): void {
    countedSuccess(counter, value);
  }

  /** A call {@link enter} counted ended well: see {@link countSuccess}. */
  succeeded<V, R>(counter: Counter, value: V, next: (value: V) => R, fail: (error: unknown) => R): R {
    return countSuccess(counter, value, next, fail);
  }

  /** A call {@link enter} counted failed: see {@link countFailure}. */
  failed<R>(counter: Counter, error: unknown, neutral: Neutral, next: (error: unknown) => R): R | Promise<R> {
    return countFailure(counter, error, neutral, this, next);
  }
}
