import type { ResolvedAdaptiveTimeout } from './options.js';

/** The latency figures a deadline is derived from (the monitor's baseline for the model). */
export interface BaselineView {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * The attempt deadline derived from a model's recent latency:
 * `clamp(multiplier × p99, minTimeoutMs, maxTimeoutMs)`, or undefined before
 * `minSamples` successes. Pure.
 */
export function derivedTimeoutMs(baseline: BaselineView | undefined, o: ResolvedAdaptiveTimeout | undefined): number | undefined {
  if (!o || !baseline || baseline.samples < o.minSamples) return undefined;
  return Math.round(Math.min(o.maxTimeoutMs, Math.max(o.minTimeoutMs, o.multiplier * baseline.p99)));
}

export type AttemptPlan =
  /** Do not start: the call's deadline has passed, or is nearer than the model's median latency. */
  | { readonly start: false; readonly remainingMs: number }
  /**
   * Start, aborting after `timeoutMs` (none when undefined). `callDeadline`: the
   * limit is the call's remaining time, not the model's own deadline, so hitting
   * it is not the model's failure.
   */
  | { readonly start: true; readonly timeoutMs: number | undefined; readonly callDeadline: boolean };

const NO_LIMIT: AttemptPlan = Object.freeze({ start: true, timeoutMs: undefined, callDeadline: false });

/**
 * Whether and how long an attempt may run. `ownMs` is the model's deadline (the
 * caller's `timeoutMs`, else the derived one); `deadlineAt` the call's absolute
 * deadline on the clock. An attempt is not started when fewer ms remain than
 * the model's median latency (once known): it would most likely be cut off, and
 * the next model may be quicker. Pure.
 */
export function planAttempt(now: number, deadlineAt: number | undefined, ownMs: number | undefined, medianMs: number | undefined): AttemptPlan {
  if (deadlineAt === undefined) return ownMs === undefined ? NO_LIMIT : { start: true, timeoutMs: ownMs, callDeadline: false };
  const remainingMs = deadlineAt - now;
  if (remainingMs <= 0 || (medianMs !== undefined && remainingMs < medianMs)) return { start: false, remainingMs: Math.max(0, remainingMs) };
  if (ownMs !== undefined && ownMs <= remainingMs) return { start: true, timeoutMs: ownMs, callDeadline: false };
  return { start: true, timeoutMs: remainingMs, callDeadline: true };
}
