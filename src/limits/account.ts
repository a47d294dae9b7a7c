import { giveBack, take } from './bucket.js';
import { DIMS, EARLY_CALLS, type ModelState, unitsOf } from './learn.js';
import { noteSent } from './share.js';
import type { Release } from './slots.js';
import type { CallWeight } from './types.js';

// A model's bookkeeping of the calls admission lets through: what they take from the buckets,
// what they give back, and the concurrency slot they hold. Shared by the path that admits at
// once (limiter.ts) and the one that waits (queue.ts).

const NOOP: Release = () => {};

/**
 * A call's share is taken from every bucket of `s` now. With `sent` (a call admitted at once) it is
 * also counted as this process's sending; a call that starts waiting is counted when it is sent
 * ({@link countSent}): what the provider's `remaining` falls by is compared with what was sent, and
 * a queue's calls counted before they leave it read, as the queue drains, as others' use.
 */
export function takeShare(s: ModelState, weight: () => CallWeight | number, now: number, sent = true): void {
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (b) take(b, dim === 'requests' ? 1 : unitsOf(dim, weight()), now);
  }
  if (sent) countSent(s, weight, now, 1);
}

/** A call's units count as this process's sending from `now` (−1: the provider never counted them). */
export function countSent(s: ModelState, weight: () => CallWeight | number, now: number, sign: 1 | -1): void {
  if (sign > 0) countEarly(s, weight);
  for (const dim of DIMS) {
    const d = s.share[dim];
    if (d && s.buckets[dim]) noteSent(d, sign * (dim === 'requests' ? 1 : unitsOf(dim, weight())), now);
  }
}

/**
 * A call sent counts among a model's first calls, which its first reading needs ({@link EARLY_CALLS});
 * once they are counted the tally goes. `weight` is read only while it counts.
 */
export function countEarly(s: ModelState, weight: CallWeight | number | (() => CallWeight | number)): void {
  const e = s.early;
  if (!e) return;
  if (e.requests >= EARLY_CALLS) {
    s.early = undefined;
    return;
  }
  const w = typeof weight === 'function' ? weight() : weight;
  for (const dim of DIMS) e[dim] += unitsOf(dim, w);
}

/** The provider never counted the call: neither its bucket (unless `keep`) nor, when it was `sent`, this process's sending. */
export function giveShareBack(s: ModelState, weight: () => CallWeight | number, now: number, keep = false, sent = true): void {
  if (!keep) {
    for (const dim of DIMS) {
      const b = s.buckets[dim];
      if (b) giveBack(b, dim === 'requests' ? 1 : unitsOf(dim, weight()), now);
    }
  }
  if (sent) countSent(s, weight, now, -1);
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
  if (!takeSlot(s)) return NOOP;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    freeSlot(s);
  };
}

/** Takes one concurrency slot of `s` when it has a cap; whether one was taken (given back once with {@link freeSlot}). */
export function takeSlot(s: ModelState): boolean {
  if (s.limits?.maxConcurrent === undefined) return false;
  s.inFlight++;
  return true;
}

/** Gives back a slot {@link takeSlot} took, to the first call waiting for one. */
export function freeSlot(s: ModelState): void {
  s.inFlight--;
  s.slotWaiters.shift()?.();
}
