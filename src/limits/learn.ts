import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { type Bucket, fromWindow, levelAt, setRate } from './bucket.js';
import type { ModelLimits } from './options.js';
import { type Backoff, CUT_HEADROOM, type DimShare, HEADROOM, MIN_SHARE, UNANSWERED_CUT, cut, equalPartRate, newDimShare, observeShare, othersKnown, saturated, shareRate } from './share.js';
import type { AdmitOptions, CallWeight } from './types.js';

// What a model's admission learns from the provider: its buckets from the rate-limit
// headers, this process's share of them, and what a 429 changes. The limiter admits
// and waits on this state (limiter.ts).

export const DIMS = ['requests', 'tokens', 'inputTokens', 'outputTokens'] as const;
export type Dim = (typeof DIMS)[number];

/** Smallest part of the provider's burst kept after 429s its headers did not explain. */
const MIN_BURST = 1 / 16;

/** A call's weight as given: a number, a split, or a function computing either (1 when absent). */
export const weightOf = (w: AdmitOptions['weight']): CallWeight | number => (typeof w === 'function' ? w() : (w ?? 1));

/** A call's units in one dimension: one request; its tokens, a bare number counting as input. */
export const unitsOf = (dim: Dim, w: CallWeight | number): number =>
  dim === 'requests' ? 1 : typeof w === 'number' ? (dim === 'outputTokens' ? 0 : w) : dim === 'inputTokens' ? w.inputTokens : dim === 'outputTokens' ? w.outputTokens : w.inputTokens + w.outputTokens;

/** One model's admission state. */
export interface ModelState {
  readonly limits: ModelLimits | undefined;
  readonly buckets: { [K in Dim]?: Bucket };
  inFlight: number;
  waiting: number;
  /** FIFO of calls waiting for a concurrency slot. */
  readonly slotWaiters: (() => void)[];
  heldUntil: number;
  observedAt: number;
  /** The latest headers, to tell whether a 429 was explained by them. */
  last: RateLimitInfo | undefined;
  /** Share of the provider's limit usable as a burst: below 1 once 429s came while headers showed room (here, or on another model of the client). */
  burst: number;
  /** What the headers tell of others using the same limit, per dimension (see share.ts). */
  readonly share: { [K in Dim]?: DimShare };
  /** The refill factor after 429s this process did not expect. */
  readonly backoff: Backoff;
  /**
   * Units this process sent before the model's first headers came back (see
   * {@link EARLY_CALLS}); undefined once they have.
   */
  early: { [K in Dim]: number } | undefined;
  /** `limits.processes`: how many processes share the model's limits (1 when absent). */
  readonly processes?: number;
}

/**
 * Calls whose units are counted while a model has sent no headers yet. A burst
 * sent to a model used for the first time (a fallback taking over) is in flight
 * when the first headers arrive, which do not count it yet: unless it is known as
 * this process's own, the later headers' fall reads as others' use, and the
 * share drops to its floor at once. Past this many calls without headers the
 * provider sends none, and counting would only cost time.
 */
export const EARLY_CALLS = 256;

export const noEarly = (): { [K in Dim]: number } => ({ requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 });

/**
 * A model's first headers: what its limit shows used beyond all this process sent to it is the
 * others' use (a fallback taking over a limit others already drain). Its first burst is its part of it.
 */
function firstPart(used: number, mine: number): number {
  const others = used - mine;
  return others > 0 ? Math.max(MIN_SHARE, mine / (mine + (1 + HEADROOM) * others)) : 1;
}

/**
 * Whether a configured count of processes splits the model's limits now: while the headers show
 * others using one of them (see {@link othersKnown}), or always when headers are not followed (nothing
 * would tell a process it is alone). Before a followed model's first headers, a process keeps its whole limit.
 */
function split(s: ModelState): boolean {
  if (s.observedAt === -Infinity) return s.early === undefined;
  for (const dim of DIMS) {
    const d = s.share[dim];
    if (d && d.rate > 0 && othersKnown(d, d.rate)) return true;
  }
  return false;
}

/**
 * Every bucket refills at this process's share of its limit, as of `now`: the part learned from the
 * headers or, with `processes` configured and others known, its equal part (with room once a hidden
 * window has cut the burst: {@link equalPartRate}), holding at most that part of the burst.
 */
export function pace(s: ModelState, now: number): void {
  const n = s.processes ?? 1;
  const equal = n > 1 && split(s);
  const windowCut = s.burst < 1;
  const headroom = windowCut ? CUT_HEADROOM : HEADROOM;
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b || !(b.base > 0)) continue;
    if (!equal) setRate(b, Math.min(b.base, shareRate(b.base, s.share[dim], s.backoff, now, headroom)), now);
    else setRate(b, equalPartRate(b.base, n, s.share[dim], s.backoff, now, headroom, windowCut), now, b.capacity / n);
  }
}

/**
 * Fresh headers (not older than the last ones read): the buckets follow them, the share learns from them.
 * `refunded`: output tokens answers gave back since the headers' call may have been received (see
 * `Flights.refunded`), which the output level they show may not have yet.
 */
export function learnFromHeaders(s: ModelState, info: RateLimitInfo, refunded = 0): void {
  const now = info.observedAt;
  // Anthropic's `tokens-*` repeats the most restrictive of its input and output limits, in that
  // limit's units: with those two present it adds nothing, and a call's combined weight misreads it.
  const split = info.inputTokens !== undefined || info.outputTokens !== undefined;
  let firstOfRequests = 1;
  for (const dim of DIMS) {
    if (split && dim === 'tokens') continue;
    const w = info[dim];
    const old = s.buckets[dim];
    const fresh = fromWindow(w, old?.pending ?? 0, now);
    if (!fresh) continue;
    let first = 1;
    if (fresh.base > 0 && Number.isFinite(fresh.capacity)) {
      const d = s.share[dim];
      // Once a hidden window cut the burst, the level where it was found empty is known (see observeShare).
      if (d) observeShare(d, w!.remaining!, fresh.base, fresh.capacity, now, s.burst < 1 ? fresh.capacity * (1 - s.burst) : 0);
      else {
        const share = (s.share[dim] = newDimShare(w!.remaining!, now));
        // What this process sent before these headers, but for (about) the call that carried them, is not in them yet.
        const e = s.early;
        if (e && e.requests > 1) share.sent = e[dim] * (1 - 1 / e.requests);
        // Whether others drain the limit is told by the requests, the one dimension this process
        // counts exactly: its tokens are estimates (a bare-number weight counts no output at all), and
        // an estimate below the real use would read as others' use and cut the first burst for nothing.
        // A token dimension takes the requests' part, or its own where that is larger.
        if (e && e.requests > 0) {
          const used = fresh.capacity - w!.remaining!;
          if (dim === 'requests') first = firstOfRequests = firstPart(used, e.requests);
          else if (firstOfRequests < 1) first = Math.max(firstOfRequests, e[dim] > 0 ? firstPart(used, e[dim]) : 0);
        }
      }
    }
    if (s.burst < 1 && Number.isFinite(fresh.capacity)) fresh.capacity = Math.max(1, fresh.capacity * s.burst);
    const cap = dim === 'requests' ? s.limits?.requestsPerMinute : dim === 'tokens' ? s.limits?.tokensPerMinute : undefined;
    if (old && ((cap !== undefined && cap < fresh.capacity) || (old.capacity === fresh.capacity && old.base === fresh.base))) {
      // Headers describe the provider's state when it received that request, a latency ago; what we
      // sent since is only in our own accounting. The lower of the two is the one to trust. (A
      // configured limit below the provider's also keeps its own bucket this way.) Output given back
      // since (Anthropic counts an answer's output at its cap until it is done) is not in them: a
      // level read without it would take back refunds the provider has made.
      old.level = Math.min(levelAt(old, now), dim === 'outputTokens' ? fresh.level + refunded : fresh.level);
      old.at = now;
      old.fullAt = fresh.fullAt;
    } else {
      fresh.level = Math.min(fresh.level, fresh.capacity);
      s.buckets[dim] = fresh;
    }
    if (first < 1) {
      const b = s.buckets[dim]!;
      b.level = Math.min(levelAt(b, now), fresh.capacity * first); // a part of the provider's burst: a configured cap below it is already this process's own
      b.at = now;
    }
  }
  s.early = undefined;
  pace(s, now);
}

/**
 * The first 429 after a spell without one: this process took more than its share. With others known to
 * use the limit, it is used up now and their estimate jumps there (see share.ts); alone, AIMD's decrease.
 * On a model whose burst a hidden window already cut, among others, when that jump lowers this process's
 * refill by less than a tenth (the estimate already had everyone above the limit: a model the workers
 * took over in a rush), the 429 factor is cut too: else the refill that drew the 429 stays and draws the
 * next. (Over capacity under a minute's window, where no burst is cut, a cut there cost tasks.)
 */
export function after429(s: ModelState, now: number): void {
  if (s.heldUntil > now) return;
  let shared = false;
  for (const dim of DIMS) {
    const d = s.share[dim];
    if (d && saturated(d)) shared = true;
  }
  const before = s.buckets.requests?.ratePerMs;
  if (!shared) cut(s.backoff, now);
  pace(s, now);
  const after = s.buckets.requests?.ratePerMs;
  if (shared && s.burst < 1 && before !== undefined && after !== undefined && after > before * 0.9) {
    cut(s.backoff, now, UNANSWERED_CUT);
    pace(s, now);
  }
}

/** The 429's own headers (read just now) still showed room for the call in every dimension they carry. */
export function unexplained(s: Pick<ModelState, 'last'>, weight: () => CallWeight | number, now: number): boolean {
  const info = s.last;
  if (!info || info.observedAt !== now) return false;
  let seen = false;
  for (const dim of DIMS) {
    const remaining = info[dim]?.remaining;
    if (remaining === undefined) continue;
    seen = true;
    if (remaining < (dim === 'requests' ? 1 : unitsOf(dim, weight()))) return false;
  }
  return seen;
}

/**
 * The dimension the headers show the most used (least room for its limit): the likeliest one a
 * hidden window filled; and the share of its limit used, less the unit the refused call needed.
 */
export function mostUsed(info: RateLimitInfo): { dim: Dim | undefined; used: number | undefined } {
  let dim: Dim | undefined;
  let used: number | undefined;
  let room = Infinity;
  // Anthropic's `tokens-*` only repeats its input or output limit (see learnFromHeaders).
  const split = info.inputTokens !== undefined || info.outputTokens !== undefined;
  for (const d of DIMS) {
    const w = split && d === 'tokens' ? undefined : info[d];
    if (w?.remaining === undefined || !(w.limit! > 0)) continue;
    const r = w.remaining / w.limit!;
    if (r < room) [dim, room, used] = [d, r, Math.max(0, w.limit! - w.remaining - 1) / w.limit!];
  }
  return { dim, used };
}

/**
 * The provider is empty in a window its headers do not show: start from empty, with a smaller burst.
 * From a full bucket that window and the minute the headers show drain alike, so the share of the
 * limit they show used is what the window holds: the burst falls there at once (at least by half).
 * Returns the new burst.
 */
export function shrinkBurst(s: ModelState, now: number): number {
  const was = s.burst;
  s.burst = Math.max(MIN_BURST, Math.min(s.burst / 2, (s.last && mostUsed(s.last).used) ?? 1));
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b || !Number.isFinite(b.capacity)) continue;
    b.capacity = Math.max(1, (b.capacity * s.burst) / was, b.base * 60_000 * MIN_BURST);
    b.level = Math.min(levelAt(b, now), 0);
    b.at = now;
  }
  return s.burst;
}
