import { giveBack, take } from './bucket.js';
import { DIMS, EARLY_CALLS, type ModelState, unitsOf } from './learn.js';
import { noteSent } from './share.js';
import type { Release } from './slots.js';
import type { CallWeight } from './types.js';

// A model's bookkeeping of the calls admission lets through: what they take from the buckets,
// what they give back, and the concurrency slot they hold. Shared by the path that admits at
// once (limiter.ts) and the one that waits (queue.ts).

const NOOP: Release = () => {};

/** A call's share is taken from every bucket of `s` now (and counted as this process's sending). */
export function takeShare(s: ModelState, weight: () => CallWeight | number, now: number): void {
  const e = s.early;
  if (e) {
    if (e.requests < EARLY_CALLS) for (const dim of DIMS) e[dim] += unitsOf(dim, weight());
    else s.early = undefined;
  }
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b) continue;
    const units = dim === 'requests' ? 1 : unitsOf(dim, weight());
    take(b, units, now);
    const d = s.share[dim];
    if (d) noteSent(d, units, now);
  }
}

/** The provider never counted the call: neither this process's sending nor (unless `keep`) its bucket. */
export function giveShareBack(s: ModelState, weight: () => CallWeight | number, now: number, keep = false): void {
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b) continue;
    const units = dim === 'requests' ? 1 : unitsOf(dim, weight());
    if (!keep) giveBack(b, units, now);
    const d = s.share[dim];
    if (d) noteSent(d, -units, now);
  }
}

/** Units of calls still waiting to be sent: fresh headers cannot know about them (see `fromWindow`). */
export function markPending(s: ModelState, weight: () => CallWeight | number, sign: 1 | -1): void {
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (b) b.pending = Math.max(0, b.pending + sign * (dim === 'requests' ? 1 : unitsOf(dim, weight())));
  }
}

/** True when `s` has a concurrency slot free for a call now (always, without `maxConcurrent`). */
export function slotFree(s: ModelState): boolean {
  const mc = s.limits?.maxConcurrent;
  return mc === undefined || (s.inFlight < mc && s.slotWaiters.length === 0);
}

/** Occupies a concurrency slot of `s` until the returned release is called (a no-op without `maxConcurrent`). */
export function occupy(s: ModelState): Release {
  if (s.limits?.maxConcurrent === undefined) return NOOP;
  s.inFlight++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    s.inFlight--;
    s.slotWaiters.shift()?.();
  };
}
