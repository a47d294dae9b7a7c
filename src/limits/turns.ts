import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { levelAt } from './bucket.js';
import { DIMS, type ModelState } from './learn.js';
import { othersKnown } from './share.js';
import type { Lane, Sleeper, Waits } from './waits.js';

/**
 * Over capacity, the longest the first call of a new task waits (with a
 * `taskId`): past it the task is refused at once. Calls of tasks under way go
 * before waiting first calls, and wait up to `maxWaitMs`: a task's calls are
 * only worth serving if all of them can be. Measured on the over-capacity
 * replay (10 / 20 / 40 s with `maxWaitMs` 20 / 40 / 60 s).
 */
export const NEW_TASK_MAX_WAIT_MS = 40_000;
/** …once this many calls already wait on the model: demand above capacity, not a passing burst. */
export const NEW_TASK_QUEUE = 1;
/**
 * A call of a task under way takes a waiting first call's turn only when it would wait longer than
 * this: demand above capacity. Below it (a storm the chain can absorb) turns keep their order, and
 * first calls their latency.
 */
export const TURN_AFTER_MS = 5_000;

/**
 * How many times a call without a `taskId` whose turn has come looks whether its room is there
 * (see {@link behindMs}) before it is sent: a 429 or a smaller share learned during its first wait
 * can leave the room short. Over capacity with several workers on one key, the second look caught
 * a third of the 429s left at the end of a demand peak; calls with a `taskId` (whose turns are
 * reordered) met none there and only lost throughput to it, so they look once (decision 0027).
 */
export const CATCH_UP_LOOKS = 2;

/**
 * Ms until `s` has room again for a call whose share is already taken and whose
 * turn has come (0: on schedule). Headers that arrived while it waited can show
 * the room used by others on the key: the level, with the shares of calls still
 * waiting added back, is then below zero.
 */
export function behindMs(s: ModelState, now: number): number {
  let ms = 0;
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    const short = b && b.ratePerMs > 0 ? -(levelAt(b, now) + b.pending) : 0;
    if (short > 0) ms = Math.max(ms, Math.ceil(short / b!.ratePerMs));
  }
  return ms;
}

/**
 * Fresh headers' `remaining` is room for everyone on the key, not for this process alone: every
 * process that reads it as its own sends into the same room, and all but the first meet a 429.
 * With others known to use the limit (this process refills at a part `f` of it, see share.ts),
 * it takes at most its part of that room now, `f × remaining`, less the shares of its own calls
 * still waiting; the rest comes with its refill. Alone (`f` = 1) nothing changes.
 */
export function shareRoom(s: ModelState, info: RateLimitInfo, now: number): void {
  const split = info.inputTokens !== undefined || info.outputTokens !== undefined;
  for (const dim of DIMS) {
    if (split && dim === 'tokens') continue;
    const b = s.buckets[dim];
    const remaining = info[dim]?.remaining;
    const d = s.share[dim];
    if (!b || !d || remaining === undefined || !(b.base > 0) || b.ratePerMs >= b.base || !othersKnown(d, b.base)) continue;
    const room = (remaining * b.ratePerMs) / b.base - b.pending;
    if (levelAt(b, now) > room) {
      b.level = room;
      b.at = now;
    }
  }
}

/** How a call would take its turn in a lane of waiting calls: see {@link turnIn}. */
export interface TurnPlan {
  /** The clock time of its turn, after the waiting calls it passes. */
  readonly at: number;
  /** Which waiting calls it passes; move them with `waits.yieldTo(lane, now + wait, passes, refused)`. */
  readonly passes: (x: Sleeper) => boolean;
}

/**
 * Where a call due in `wait` ms would take its turn in `lane`, moving nothing (decision 0037 with
 * its amendment). It passes a waiting call with a later stated deadline; and, as a call of a task
 * under way waiting more than {@link TURN_AFTER_MS}, a waiting first call of a new task while that
 * one can still wait so long — or, when the call states its deadline and would be refused otherwise
 * (its turn past `bound`), anyway: moving them then refuses the first call moved past its own bound.
 * Used by one process's queue and by the turns of calls waiting on Redis-shared buckets.
 */
export function turnIn(waits: Waits, lane: Lane, o: { readonly now: number; readonly wait: number; readonly bound: number; readonly deadline: number; readonly underWay: boolean; readonly stated: boolean }): TurnPlan {
  const { now, wait, bound, deadline, underWay } = o;
  let spare = true;
  const passes = (x: Sleeper) =>
    (x.deadline > deadline && x.deadline !== Infinity) ||
    (underWay && wait > TURN_AFTER_MS && x.yields && (x.deadline === Infinity || !spare || x.latest >= now + wait));
  let at = waits.yieldTo(lane, now + wait, passes);
  if (at - now > bound && underWay && o.stated) {
    spare = false;
    at = waits.yieldTo(lane, now + wait, passes);
  }
  return { at, passes };
}
