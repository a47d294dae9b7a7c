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
 * left: its part of everyone's use scaled to the limit, plus a little of what
 * the others leave unused (never below `MIN_SHARE` of the rate, so no process
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
/**
 * The headroom once a window the headers do not show has cut a model's burst: calls go out in
 * bursts that small anyway, and a storm is held back by the refill the headroom leaves unused.
 */
export const CUT_HEADROOM = HEADROOM / 4;
/**
 * Others "known" to use a limit: measured at a quarter of it or more, or at `MIN_SHARE` or more
 * and at least this process's own use. Below that a process may be alone and reading its own
 * latency as others (a fifth of its own use, measured); its 429s are left to its burst and its
 * 429 factor. Many processes each read the others at several times their own use, even while
 * a bucket resting near its top hides half of it.
 */
export const KNOWN_OTHERS = 1 / 4;
/** Time for the 429 factor to climb from 0 back to 1 (from a halving: half of it). */
export const RECOVER_MS = 20_000;
/**
 * The 429 factor's cut after a 429 among others that the share estimate does not answer: everyone's
 * use already measured above the limit, so saying "the limit is used up" lowers nothing (see after429).
 */
export const UNANSWERED_CUT = 0.8;

/** Weight of the latest call in the mean of a call's units (about the last ten calls). */
const PER_CALL_WEIGHT = 0.1;

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
  /** The same sum of this process's own units. */
  mine: number;
  /** The same sum of lower bounds: a fall of `remaining` when all of the refill past capacity counts as lost. */
  low: number;
  /**
   * The provider's level since the last header as this process expects it: its
   * own sends where they happened, the others' at their estimated rate, the
   * refill up to `capacity`; `lost` is the refill that expected level lost at
   * the capacity (the part of `rate × Δt` nobody could have used).
   */
  level: number;
  levelAt: number;
  lost: number;
  rate: number;
  capacity: number;
  /** The units of one call of this process, as recently sent (a decayed mean; 0 before the first). */
  perCall: number;
  /**
   * The same expected level, lost refill and others' sum, started one call above each reading (see
   * observeShare). It tells a process alone from one among others; `level` follows it while alone.
   */
  alone: { level: number; lost: number; others: number };
}
/** The 429 factor of one model. */
export interface Backoff {
  factor: number;
  at: number;
}

export function newDimShare(remaining: number, now: number): DimShare {
  return { remaining, at: now, sent: 0, others: 0, span: 0, mine: 0, low: 0, level: remaining, levelAt: now, lost: 0, rate: 0, capacity: Number.POSITIVE_INFINITY, perCall: 0, alone: { level: remaining, lost: 0, others: 0 } };
}

/** The others' measured rate, units per ms, without headroom. */
const measured = (d: DimShare): number => (d.span > 0 ? Math.max(0, d.others / d.span) : 0);

/** Others measured at `KNOWN_OTHERS` of `rate` or more: known to use the limit (below it, a process alone may read its own latency as others). */
export const othersKnown = (d: DimShare, rate: number): boolean => measured(d) >= rate * KNOWN_OTHERS;
/** Its lower bound: what the expected level assumes the others drain (never the estimate itself, which would feed on itself). */
const lowRate = (d: DimShare): number => (d.span > 0 ? Math.max(0, d.low / d.span) : 0);

/** Moves the expected level to `now`: refilled at `rate`, drained by the others at their measured rate, capped. */
function advance(d: DimShare, rate: number, capacity: number, now: number): void {
  const dt = now - d.levelAt;
  if (dt <= 0) return;
  const net = (rate - lowRate(d)) * dt;
  rise(d, net, capacity);
  rise(d.alone, net, capacity);
  d.levelAt = now;
}

/** An expected level rises by `net`, up to its top; what passes the top is lost. */
function rise(e: { level: number; lost: number }, net: number, capacity: number): void {
  const top = Math.max(capacity, e.level);
  const next = e.level + net;
  if (next > top) e.lost += next - top;
  e.level = Math.min(next, top);
}

/** This process sent `units` now (negative: gives back units the provider never counted). */
export function noteSent(d: DimShare, units: number, now: number): void {
  advance(d, d.rate, d.capacity, now);
  if (units > 0) d.perCall = d.perCall > 0 ? d.perCall * (1 - PER_CALL_WEIGHT) + units * PER_CALL_WEIGHT : units;
  d.level -= units;
  d.alone.level -= units;
  d.sent += units;
}

/**
 * Folds one header reading into the estimate. `rate` is the provider's refill
 * per ms, `capacity` its limit. A reading older than the last one is ignored.
 * `floor` (0: none) is the level at which a window the headers do not show was
 * found empty: two readings at or below it mean the limit was in use throughout.
 */
export function observeShare(d: DimShare, remaining: number, rate: number, capacity: number, now: number, floor = 0): void {
  const dt = now - d.at;
  if (dt <= 0) {
    if (dt === 0) d.remaining = Math.min(d.remaining, remaining);
    return;
  }
  // Held at the floor: the hidden window was empty at both readings, so (within the unit a call in
  // flight makes) the minute bucket the headers show sat 'floor' below its top, and refilling to the
  // top would have refilled that window first. No refill was lost: everyone used all of it.
  const held = floor > 0 && d.remaining <= floor + 1 && remaining <= floor + 1;
  // Refill past capacity is lost, and the headers do not say how much: a fall of `remaining` is then only a
  // lower bound of what was used. The expected level says how much: this process's sends where they
  // happened and the others' at the rate measured so far. Assuming none of the others' use (the upper
  // bound of the loss) underrates them whenever the bucket stays below its top while shared, e.g. under a
  // limit enforced over windows shorter than the headers show, where the level seen never falls far.
  advance(d, d.rate || rate, Number.isFinite(d.capacity) ? d.capacity : capacity, now);
  const fall = d.remaining + rate * dt - remaining - d.sent;
  const others = fall - (held ? 0 : Math.min(d.lost, rate * dt));
  const low = Math.min(capacity, d.remaining + rate * dt) - remaining - d.sent;
  const keep = Math.exp(-dt / SHARE_WINDOW_MS);
  d.low = d.low * keep + low;
  d.mine = d.mine * keep + d.sent;
  // Signed: a reading skewed one way by a response's latency is skewed the other way by the next.
  d.others = d.others * keep + others;
  d.span = d.span * keep + dt;
  const a = d.alone;
  a.others = a.others * keep + fall - (held ? 0 : Math.min(a.lost, rate * dt));
  d.remaining = remaining;
  d.at = now;
  d.sent = 0;
  // The reading's `remaining` is what the provider had left right after it counted the call that carries
  // it, a response's latency ago; that call's units have refilled since, and the calls sent meanwhile were
  // counted when sent. Starting from `remaining` would take the call's units off twice: refill spent
  // making them up, which the provider lost at its top, would read as the others' use (a process alone
  // near its top read about one call per reading as others'). Among others (read so with the level started
  // higher: a quarter of this process's own use, or of the limit) it starts at `remaining` as before: the
  // workers' shares settled with that margin, and without it they met more 429s (decision 0025).
  const among = a.others >= KNOWN_OTHERS * Math.max(0, d.mine) || a.others / d.span >= rate * KNOWN_OTHERS;
  a.level = Math.min(capacity, remaining + d.perCall);
  d.level = among ? remaining : a.level;
  if (!among) d.others = Math.min(d.others, a.others);
  d.levelAt = now;
  d.lost = 0;
  a.lost = 0;
  d.rate = rate;
  d.capacity = capacity;
}

/**
 * A 429 says the limit is used up now. When others are known to share it, they used
 * at least what this process left of it: the estimate jumps there at once instead
 * of catching up over its time constant. (A process alone measures no others and
 * keeps its whole limit, as does one that measures others below `KNOWN_OTHERS`: its 429s
 * are handled by its burst and its 429 factor.)
 */
export function saturated(d: DimShare): boolean {
  if (d.span <= 0 || d.rate <= 0) return false;
  const others = measured(d);
  if (!othersKnown(d, d.rate) && !(others >= d.rate * MIN_SHARE && others * d.span >= d.mine)) return false;
  const full = d.rate * d.span;
  const mine = Math.max(0, d.mine);
  // Everyone's use rose to the limit, and the headers do not say whose use rose. Only the others':
  // this process keeps its use of before (at a storm's start, well below its part) and waits a
  // minute to grow back. Everyone's alike: the others' estimate, read low while refill looked
  // lost, oversells this process's part. Between the two, its use rises by the square root.
  if (mine > 0 && mine + d.others < full) d.mine = mine * Math.sqrt(full / (mine + d.others));
  d.others = Math.max(d.others, full - d.mine);
  d.low = Math.max(d.low, d.others);
  return true;
}

/** The others' rate, units per ms (0 until measured). */
export function othersRate(d: DimShare, headroom = HEADROOM): number {
  return measured(d) * (1 + headroom);
}

/** The 429 factor at `now`: recovered linearly since its last cut. */
export function backoffAt(b: Backoff, now: number): number {
  return Math.min(1, b.factor + Math.max(0, now - b.at) / RECOVER_MS);
}

/** A 429 on a call admitted with room: halve the factor, or multiply it `by` (not below `MIN_SHARE`). */
export function cut(b: Backoff, now: number, by = 0.5): void {
  b.factor = Math.max(MIN_SHARE, backoffAt(b, now) * by);
  b.at = now;
}

/**
 * The limit split in proportion to recent use: this process's part of everyone's
 * use (the others' with headroom), times the limit. While everyone together uses
 * more than the limit (a full bucket draining at a storm's start), `rate − others`
 * falls below zero for every process at once; this keeps each at its part instead.
 */
function proportional(rate: number, d: DimShare, headroom: number): number {
  const mine = Math.max(0, d.mine);
  const others = Math.max(0, d.others) * (1 + headroom);
  return mine + others > 0 ? (rate * mine) / (mine + others) : rate;
}

/**
 * The limit left to this process: its part of everyone's use, scaled to the limit
 * ({@link proportional}), plus at most `MIN_SHARE` of the limit of what the others leave
 * unused. Each of N processes taking all of that room would grant itself N times it: at 16
 * processes, a lull in demand let each refill at a sixth of the limit, and the demand that
 * followed came back as bursts of 429s.
 */
function grown(rate: number, d: DimShare, headroom: number): number {
  const part = proportional(rate, d, headroom);
  return Math.max(part, Math.min(rate - othersRate(d, headroom), part + rate * MIN_SHARE));
}

/**
 * The refill of one of `processes` processes configured to share the limit, while others are known to
 * use it: its equal part instead of the part learned from everyone's use (which drifts apart: decision
 * 0050), times the 429 factor. Once a window the headers do not show has cut the model's burst
 * (`windowCut`), plus its `1 / processes` of what the others leave beyond that part: readings held at that
 * window's floor measure the others' use whole (see observeShare), and every process sees the same
 * room. Before that the others read low while the provider's bucket rests near its top, and room
 * taken on that reading is the others' (decision 0081): none.
 */
export function equalPartRate(rate: number, processes: number, d: DimShare | undefined, b: Backoff, now: number, headroom: number, windowCut: boolean): number {
  const part = rate / processes;
  const room = windowCut && d ? Math.max(0, rate - othersRate(d, headroom) - part) / processes : 0;
  return Math.min(rate, part + room) * backoffAt(b, now);
}

/** The refill this process allows itself, per ms: its part of the limit and a little room (see {@link grown}), times the 429 factor. */
export function shareRate(rate: number, d: DimShare | undefined, b: Backoff, now: number, headroom = HEADROOM): number {
  const left = d ? Math.min(rate, Math.max(rate * MIN_SHARE, grown(rate, d, headroom))) : rate;
  return Math.max(rate * MIN_SHARE, left * backoffAt(b, now));
}
