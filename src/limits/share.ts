/**
 * A process's share of a rate limit it shares with others it cannot see (other
 * workers, instances or consumers on the same API key). Learned from the
 * provider's headers alone; pure arithmetic on plain objects, tested with tables.
 *
 * The provider's `remaining` falls by what everyone sent and rises by its
 * refill. Between two headers of one dimension, what it fell by beyond what
 * this process sent is what the others used:
 *
 *   others = min(capacity, remaining₀ + rate × Δt) − remaining₁ − sent
 *
 * Summed over a sliding, exponentially decayed spell (`SHARE_WINDOW_MS`), that
 * gives the others' rate; this process then refills its own bucket at what is
 * left (`rate − others`, never below `MIN_SHARE` of the rate, so no process
 * starves). A process alone measures no others and keeps the whole limit.
 *
 * On top of that, a multiplicative decrease / additive increase factor (as TCP
 * shares a link of unknown size): a rate-limit 429 on a call admitted with room
 * halves the refill; it then recovers linearly over `RECOVER_MS`.
 */

/** The share of a limit a process never goes below, so no worker starves. */
export const MIN_SHARE = 1 / 32;
/** Time constant of the others' rate estimate. Long enough to stay stable with many workers a response latency behind. */
export const SHARE_WINDOW_MS = 60_000;
/**
 * The others' use is counted this much larger. With N processes each leaving
 * room for the others, they settle at N / (1 + (1 + HEADROOM)(N − 1)) of the
 * limit (97.7% for 2, 93% for 4, 91% for 16; all of it for one): the slack that
 * absorbs calls sent in the same instant on stale headers.
 */
export const HEADROOM = 0.1;
/** Time for the 429 factor to climb from 0 back to 1 (from a halving: half of it). */
export const RECOVER_MS = 20_000;

/** What this process knows about one dimension's use by everyone else. */
export interface DimShare {
  /** The provider's `remaining` at the last header, and when it was read. */
  remaining: number;
  at: number;
  /** Units this process sent since then (net of calls the provider did not count). */
  sent: number;
  /** Exponentially decayed sums of the others' units and of the time they were measured over. */
  others: number;
  span: number;
}

/** The 429 factor of one model. */
export interface Backoff {
  factor: number;
  at: number;
}

export function newDimShare(remaining: number, now: number): DimShare {
  return { remaining, at: now, sent: 0, others: 0, span: 0 };
}

/**
 * Folds one header reading into the estimate. `rate` is the provider's refill
 * per ms, `capacity` its limit. A reading older than the last one is ignored.
 */
export function observeShare(d: DimShare, remaining: number, rate: number, capacity: number, now: number): void {
  const dt = now - d.at;
  if (dt <= 0) {
    if (dt === 0) d.remaining = Math.min(d.remaining, remaining);
    return;
  }
  // Refill past capacity is lost: then the fall is a lower bound of what was used. (Leaving such spells
  // out instead overrates the others, as the rest are the busiest spells: processes then starve.)
  const expected = Math.min(capacity, d.remaining + rate * dt);
  const others = expected - remaining - d.sent;
  const keep = Math.exp(-dt / SHARE_WINDOW_MS);
  // Signed: a reading skewed one way by a response's latency is skewed the other way by the next.
  d.others = d.others * keep + others;
  d.span = d.span * keep + dt;
  d.remaining = remaining;
  d.at = now;
  d.sent = 0;
}

/** The others' rate, units per ms (0 until measured). */
export function othersRate(d: DimShare): number {
  return d.span > 0 ? Math.max(0, (d.others / d.span) * (1 + HEADROOM)) : 0;
}

/** The 429 factor at `now`: recovered linearly since its last cut. */
export function backoffAt(b: Backoff, now: number): number {
  return Math.min(1, b.factor + Math.max(0, now - b.at) / RECOVER_MS);
}

/** A 429 on a call admitted with room: halve the factor (not below `MIN_SHARE`). */
export function cut(b: Backoff, now: number): void {
  b.factor = Math.max(MIN_SHARE, backoffAt(b, now) / 2);
  b.at = now;
}

/** The refill this process allows itself, per ms: what the others leave of `rate`, times the 429 factor. */
export function shareRate(rate: number, d: DimShare | undefined, b: Backoff, now: number): number {
  const left = d ? Math.min(rate, Math.max(rate * MIN_SHARE, rate - othersRate(d))) : rate;
  return Math.max(rate * MIN_SHARE, left * backoffAt(b, now));
}
