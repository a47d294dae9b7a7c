import type { NoCapacityReason } from '../errors/errors.js';
import type { AdmitOptions } from './types.js';

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
