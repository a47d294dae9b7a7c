import type { NoCapacityReason } from '../errors/errors.js';
import { levelAt, waitFor } from './bucket.js';
import { DIMS, type ModelState, unitsOf } from './learn.js';
import type { AdmitOptions, CallWeight } from './types.js';

/** How long a call may wait for admission, and what bounds it. */
export interface WaitBound {
  readonly ms: number;
  /** `deadline`: the call's own deadline; `wait_limit`: `maxWaitMs`. */
  readonly reason: Extract<NoCapacityReason, 'deadline' | 'wait_limit'>;
  /** The call stated its deadline: it waits by it, not by `maxWaitMs`, `maxQueue` or the new-task rule. */
  readonly stated: boolean;
}

/**
 * A call that states its deadline may wait until the deadline less its model's
 * expected latency (read only then; 0 before the model has answered): it is sent
 * only when it can still finish in time. `maxWaitMs` bounds the calls that state
 * none, whose callers' deadlines admission cannot read.
 */
export function waitBound(maxWaitMs: number, options: AdmitOptions | undefined, now: number): WaitBound {
  const deadline = options?.deadline;
  if (deadline === undefined) return { ms: maxWaitMs, reason: 'wait_limit', stated: false };
  return { ms: deadline - now - expectedMs(options), reason: 'deadline', stated: true };
}

/** The call's model's expected latency, ms (0 when unknown). */
export function expectedMs(options: AdmitOptions | undefined): number {
  const ms = options?.expectedMs?.();
  return ms !== undefined && ms > 0 ? ms : 0;
}

/** Whether a call whose turn has come at `now` can no longer finish before its deadline. */
export function tooLate(options: AdmitOptions | undefined, now: number): boolean {
  const deadline = options?.deadline;
  return deadline !== undefined && now + expectedMs(options) > deadline;
}

/** Per model, the part of its calls' output cap their answers used (EWMA; absent before the first answer). */
const outputParts = new WeakMap<ModelState, number>();
const OUTPUT_ALPHA = 0.05;

/** A call weighed at `cap` output tokens answered with `used` of them. */
export function learnOutput(s: ModelState, cap: number, used: number): void {
  if (!(cap > 0)) return;
  const part = Math.min(1, Math.max(0, used / cap));
  const was = outputParts.get(s);
  outputParts.set(s, was === undefined ? part : was + OUTPUT_ALPHA * (part - was));
}

/**
 * The wait a call with a deadline foresees for its turn: as the buckets tell, but with the calls
 * waiting before it counted at the output their answers are expected to use.
 */
export function foreseenMs(s: ModelState, weight: () => CallWeight | number, wait: number, minRemainingRequests: number, now: number): number {
  const out = s.buckets.outputTokens;
  const part = outputParts.get(s);
  if (wait === 0 || !out || part === undefined || part >= 1 || !(out.pending > 0)) return wait;
  let ms = 0;
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b) continue;
    const units = dim === 'requests' ? 1 + minRemainingRequests : unitsOf(dim, weight());
    const c = b === out ? { ...b, level: levelAt(b, now) + (1 - part) * b.pending, at: now, fullAt: undefined } : b;
    ms = Math.max(ms, waitFor(c, units, now));
  }
  return Math.min(ms, wait);
}
