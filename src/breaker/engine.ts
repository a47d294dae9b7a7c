import CircuitBreaker from 'opossum';
import type { ResolvedBreaker } from './options.js';
import type { LazyRotation } from './rotation.js';

/**
 * opossum arms a real `setTimeout(resetTimeout)` whenever it opens. We own the
 * reset on the injected clock instead, so we hand opossum the largest delay a
 * timer accepts (it is unref'd by opossum and cleared on close / shutdown).
 */
const OPOSSUM_RESET_NEVER = 2 ** 31 - 1;

/**
 * What the breaker needs to know about a failure: whether it counts, and for a
 * quota, how long the provider says it lasts. A `Classification` is one.
 */
export interface Judgement {
  readonly countsAsFailure: boolean;
  readonly kind?: string;
  readonly retryAfterMs?: number;
}

export type Thunk = () => Promise<unknown>;
export type Neutral = (error: unknown) => boolean | Judgement;
export type Engine = CircuitBreaker<[Thunk, Neutral], unknown>;
const invoke = (thunk: Thunk) => thunk();

/** True when a verdict says the failure says nothing about the provider's health. */
export function isNeutral(verdict: boolean | Judgement | undefined): boolean {
  return typeof verdict === 'boolean' ? verdict : verdict !== undefined && !verdict.countsAsFailure;
}

/**
 * A new opossum breaker with every timing decision left to us (decision
 * record 0002): no timeout, no snapshot interval, no percentiles, its window
 * rotated by `rotation`, its reset timer out of reach. `filter` is its
 * `errorFilter`; `halfOpen` restores it half-open through its documented `state` option.
 */
export function createEngine(model: string, o: ResolvedBreaker, rotation: LazyRotation, filter: (error: unknown, neutral: Neutral | undefined) => boolean, halfOpen: boolean): Engine {
  return new CircuitBreaker<[Thunk, Neutral], unknown>(invoke, {
    name: model,
    timeout: false, // the client owns timeouts, on its clock
    resetTimeout: OPOSSUM_RESET_NEVER,
    errorThresholdPercentage: o.errorThresholdPercentage,
    volumeThreshold: o.volumeThreshold,
    rollingCountTimeout: o.rollingWindowMs,
    rollingCountBuckets: o.rollingBuckets,
    rollingPercentilesEnabled: false, // it keeps every latency in an array; the monitor has a sketch
    enableSnapshots: false, // snapshots run on a per-breaker interval
    rotateBucketController: rotation as never,
    // opossum passes the fired arguments to errorFilter after the error.
    errorFilter: (error: unknown, _thunk: Thunk, neutral?: Neutral) => filter(error, neutral),
    ...(halfOpen ? { state: { closed: false, open: false, halfOpen: true } } : {}),
  } as unknown as CircuitBreaker.Options<[Thunk, Neutral]>);
}
