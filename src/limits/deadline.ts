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

/** Weight of the latest answer in a model's output part (about the last twenty answers count). */
const OUTPUT_DECAY = 0.95;

/** Per model, decayed sums of its answers' output tokens and of the caps they were weighed at. */
const outputs = new WeakMap<object, { used: number; cap: number }>();

/** An answer of a call weighed at `cap` output tokens wrote `used` of them (`s`: the model's state, or any object standing for the model). */
export function learnOutput(s: object, cap: number, used: number): void {
  if (!(cap > 0) || !(used >= 0)) return;
  const o = outputs.get(s);
  if (!o) outputs.set(s, { used: Math.min(used, cap), cap });
  else {
    o.used = o.used * OUTPUT_DECAY + Math.min(used, cap);
    o.cap = o.cap * OUTPUT_DECAY + cap;
  }
}

/**
 * The part of its output cap (`max_tokens`) an answer of `s` writes, as its recent answers did
 * (1 before the first: the cap).
 */
export function outputPart(s: object): number {
  const o = outputs.get(s);
  return o && o.cap > 0 ? o.used / o.cap : 1;
}

/**
 * The wait a call that states its deadline foresees for its turn on `s` (at most the buckets'
 * `wait`). The output tokens of the calls waiting before it count at their cap until they are
 * answered, as the provider counts them, so the output bucket's wait is what they may take,
 * not what they will: each gives back what its answer does not write before this call's turn
 * comes. Its deadline is judged by the output those calls are expected to write, as the model's
 * recent answers did; the call still waits at its turn until the room is really there.
 */
export function foreseenMs(s: ModelState, weight: () => CallWeight | number, wait: number, minRemainingRequests: number, now: number): number {
  const out = s.buckets.outputTokens;
  if (wait === 0 || !out || !(out.pending > 0)) return wait;
  const part = outputPart(s);
  if (part >= 1) return wait;
  let ms = 0;
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b) continue;
    const units = dim === 'requests' ? 1 + minRemainingRequests : unitsOf(dim, weight());
    // The waiting calls' caps beyond their expected output come back before this call's turn.
    const c = b === out ? { ...b, level: levelAt(b, now) + (1 - part) * b.pending, at: now, fullAt: undefined } : b;
    ms = Math.max(ms, waitFor(c, units, now));
  }
  return Math.min(ms, wait);
}
