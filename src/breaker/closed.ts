import type CircuitBreaker from 'opossum';
import { type Engine as Opossum, type Judgement, type Neutral, engineLoaded, isNeutral, loadEngine } from './engine.js';
import { ClosedTally } from './tally.js';

/** The part of an opossum breaker the closed-state path drives: its events and its public getters. */
type Driven = Pick<CircuitBreaker, 'emit' | 'stats' | 'volumeThreshold' | 'halfOpen' | 'warmUp' | 'open'>;

/** The breaker the closed-state paths belong to. */
export interface ClosedOwner {
  readonly errorThresholdPercentage: number;
  /** Creates the opossum breaker, replays the tally into it and hands it over ({@link TalliedCalls.handOver}). */
  promote(): Opossum;
  /** Runs a call through the breaker (a call that waited for opossum's load). */
  execute<T>(thunk: () => Promise<T>, neutral: Neutral): Promise<T>;
  /** opossum's `errorFilter` on `engine` for a verdict already made: true when the failure is neutral (counted as a success). */
  judge(engine: Opossum, verdict: boolean | Judgement | undefined): boolean;
}

/**
 * A call through a breaker that is closed, without opossum's `fire()`
 * (decision record 0013). `fire()` builds its own promise and `.then/.catch`
 * chain, takes its semaphore and reads the system time twice per call; on a
 * closed breaker none of that changes what it counts or decides. Here opossum
 * still does all of the counting: the same events reach its own listeners at
 * the same moments — `fire` as the call starts, then `success`, or `failure`
 * (a filtered error: `success`) as it ends — so its rolling window holds
 * exactly what `fire()` would have put there. After a counted failure the
 * breaker opens by opossum 9's own rule (`fail` in its `circuit.js`), applied
 * through its public getters and `open()`.
 *
 * Latencies handed to opossum are 0: it keeps them only for its rolling
 * percentiles, which the breaker turns off (the monitor keeps latency).
 */
export function fireClosed<T>(engine: Opossum, thunk: () => Promise<T>, neutral: Neutral, owner: ClosedOwner): Promise<T> {
  engine.emit('fire');
  let pending: Promise<T>;
  try {
    pending = thunk();
  } catch (error) {
    return failClosed(engine, error, owner.judge(engine, neutral(error)), owner.errorThresholdPercentage);
  }
  return pending.then(
    (value) => {
      engine.emit('success', value, 0);
      return value;
    },
    (error: unknown) => failClosed(engine, error, owner.judge(engine, neutral(error)), owner.errorThresholdPercentage),
  );
}

/** The end of a failed call on a closed breaker: opossum counts it (a filtered one as a success), then its open rule. */
export function failClosed(engine: Driven, error: unknown, filtered: boolean, errorThresholdPercentage: number): Promise<never> {
  countFailed(engine, error, filtered, errorThresholdPercentage);
  return Promise.reject(error);
}

/** {@link failClosed}'s count, without its promise. */
function countFailed(engine: Driven, error: unknown, filtered: boolean, errorThresholdPercentage: number): void {
  if (filtered) engine.emit('success', error, 0);
  else {
    engine.emit('failure', error, 0);
    if (!engine.warmUp) {
      const stats = engine.stats;
      const halfOpen = engine.halfOpen;
      if ((stats.fires >= engine.volumeThreshold || halfOpen) && ((stats.failures / stats.fires) * 100 > errorThresholdPercentage || halfOpen)) engine.open();
    }
  }
}

/**
 * Who counts the end of a call that started on a closed path without a promise
 * of the breaker's own (decision record 0045): the tallied calls, or the closed
 * opossum breaker. The call's end is counted exactly as {@link fireClosed} and
 * {@link TalliedCalls.fire} count it, by {@link countSuccess} or {@link countFailure}.
 */
export type Counter = TalliedCalls | Opossum;

/** A counted call ended well: counted (a throw is the count's). */
export function countedSuccess(counter: Counter, value: unknown): void {
  if (counter instanceof TalliedCalls) counter.succeeded(value);
  else counter.emit('success', value, 0);
}

/** A counted call ended well: counted, then `next(value)`; `fail(thrown)` instead if the count throws (as the breaker's own promise would reject). */
export function countSuccess<V, R>(counter: Counter, value: V, next: (value: V) => R, fail: (error: unknown) => R): R {
  try {
    countedSuccess(counter, value);
  } catch (thrown) {
    return fail(thrown);
  }
  return next(value);
}

/**
 * A counted call failed: judged and counted, then `next(error)` — at once, or
 * once opossum has loaded (decision record 0012, fifth amendment); `next(thrown)`
 * instead if the judging throws (as the breaker's own promise would reject).
 */
export function countFailure<R>(counter: Counter, error: unknown, neutral: Neutral, owner: ClosedOwner, next: (error: unknown) => R): R | Promise<R> {
  let counting: Promise<void> | undefined;
  try {
    if (counter instanceof TalliedCalls) counting = counter.failed(error, neutral);
    else countFailed(counter, error, owner.judge(counter, neutral(error)), owner.errorThresholdPercentage);
  } catch (thrown) {
    return next(thrown);
  }
  return counting ? counting.then(() => next(error), next) : next(error);
}

/**
 * {@link fireClosed} for a breaker that has no opossum instance yet (decision
 * record 0019): the tally counts the call's start and its end, and the first
 * counted failure has the owner create the opossum breaker (the tally replayed
 * into it), which then counts and judges that failure as {@link failClosed}
 * does. Calls that started before it existed end in it, as they would have.
 *
 * opossum itself is loaded on first need (decision record 0012, fifth
 * amendment): the load starts when the tally is made (a model's first call).
 * A counted failure that comes before it ends waits for it, and so do the
 * calls that start and fail on this breaker meanwhile, in order: opossum then
 * counts and decides what it would have had it been there (a success ending
 * meanwhile is tallied: opossum's open rule reads only starts and failures).
 */
export class TalliedCalls {
  readonly tally: ClosedTally;
  readonly #owner: ClosedOwner;
  /** Calls the tally saw start that have not ended yet. */
  #running = 0;
  /** The opossum breaker the tally was replayed into, while calls it saw start are still running. */
  #heir: Opossum | undefined;
  /** A success, bound once: no closure per call for it. */
  readonly #ok = (value: unknown): unknown => {
    this.succeeded(value);
    return value;
  };

  /** Steps waiting for opossum's load, chained in order; undefined when none. */
  #deferred: Promise<void> | undefined;

  constructor(buckets: number, owner: ClosedOwner) {
    this.tally = new ClosedTally(buckets);
    this.#owner = owner;
    void loadEngine();
  }

  /** Set while steps wait for opossum's load. */
  get deferred(): Promise<void> | undefined {
    return this.#deferred;
  }

  /** True when the opossum breaker cannot be made now: opossum is still loading, or steps wait for it. */
  get mustDefer(): boolean {
    return this.#deferred !== undefined || !engineLoaded();
  }

  /** Runs `step` once opossum is loaded and every step deferred before it has run. */
  defer(step: () => void): Promise<void> {
    const p: Promise<void> = (this.#deferred = (this.#deferred ?? loadEngine()).then(() => {
      if (this.#deferred === p) this.#deferred = undefined;
      step();
    }));
    return p;
  }

  fire<T>(thunk: () => Promise<T>, neutral: Neutral): Promise<T> {
    if (this.#deferred) return this.#deferred.then(() => this.#owner.execute(thunk, neutral));
    this.tally.fire();
    this.#running++;
    let pending: Promise<T>;
    try {
      pending = thunk();
    } catch (error) {
      return this.#failed(error, neutral);
    }
    return pending.then(this.#ok as (value: T) => T, (error: unknown) => this.#failed(error, neutral));
  }

  /** Counts a call's start, for a caller that reports its end ({@link Counter}); undefined while steps wait for opossum's load (then {@link fire}). */
  enter(): this | undefined {
    if (this.#deferred) return undefined;
    this.tally.fire();
    this.#running++;
    return this;
  }

  /** A call counted by {@link enter} or {@link fire} ended well. */
  succeeded(value: unknown): void {
    const heir = this.#end();
    if (heir) heir.emit('success', value, 0);
    else this.tally.succeed();
  }

  /** The tally now lives in `engine`: calls still running end there. */
  handOver(engine: Opossum): void {
    if (this.#running > 0) this.#heir = engine;
  }

  #end(): Opossum | undefined {
    const heir = this.#heir;
    if (--this.#running === 0) this.#heir = undefined;
    return heir;
  }

  #failed(error: unknown, neutral: Neutral): Promise<never> {
    const counting = this.failed(error, neutral);
    return counting ? counting.then(() => Promise.reject(error)) : Promise.reject(error);
  }

  /** A call counted by {@link enter} or {@link fire} failed: see {@link countFailure}. */
  failed(error: unknown, neutral: Neutral): Promise<void> | undefined {
    if (this.#deferred) return this.#deferred.then(() => this.failed(error, neutral));
    const verdict = neutral(error);
    // The first counted failure needs opossum: while it loads, the failure is judged once it is there.
    if (!this.#heir && !isNeutral(verdict) && this.mustDefer) return this.defer(() => this.#judged(error, verdict));
    this.#judged(error, verdict);
    return undefined;
  }

  #judged(error: unknown, verdict: boolean | Judgement | undefined): void {
    const heir = this.#end();
    const owner = this.#owner;
    if (!heir && isNeutral(verdict)) this.tally.succeed();
    else {
      const engine = heir ?? owner.promote();
      countFailed(engine, error, owner.judge(engine, verdict), owner.errorThresholdPercentage);
    }
  }
}
