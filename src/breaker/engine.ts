import type CircuitBreaker from 'opossum';
import { onDemand } from '../clock/on-demand.js';
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

/** opossum's breaker class, once loaded. */
let Opossum: typeof CircuitBreaker | undefined;

/**
 * opossum is loaded on first need rather than at import (decision record 0012,
 * fifth amendment): a breaker starts the load when it is made (a model's first
 * call), and a model's opossum instance is made only at its first counted
 * failure (decision record 0019), long after in a real call. Until the load
 * ends, {@link engineLoaded} is false and a breaker that needs its instance
 * waits for it.
 */
export const loadEngine = onDemand(() =>
  import('opossum').then((m) => {
    // opossum is CommonJS: its class is the module's `default` under Node's ESM loader and bundlers alike.
    const loaded = m.default as unknown as typeof CircuitBreaker | { default: typeof CircuitBreaker };
    Opossum = typeof loaded === 'function' ? loaded : loaded.default;
  }),
);

/** True once opossum is loaded: {@link createEngine} may run. */
export function engineLoaded(): boolean {
  return Opossum !== undefined;
}

/** True when a verdict says the failure says nothing about the provider's health. */
export function isNeutral(verdict: boolean | Judgement | undefined): boolean {
  return typeof verdict === 'boolean' ? verdict : verdict !== undefined && !verdict.countsAsFailure;
}

/**
 * A new opossum breaker with every timing decision left to us (decision
 * record 0002): no timeout, no snapshot interval, no percentiles, its window
 * rotated by `rotation`, its reset timer out of reach. `filter` is its
 * `errorFilter`; `halfOpen` restores it half-open through its documented `state` option.
 * Only once {@link engineLoaded}.
 */
export function createEngine(model: string, o: ResolvedBreaker, rotation: LazyRotation, filter: (error: unknown, neutral: Neutral | undefined) => boolean, halfOpen: boolean): Engine {
  return new Opossum!<[Thunk, Neutral], unknown>(invoke, {
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
