import type { RateLimitWindow } from '../classify/ratelimit-headers.js';

/**
 * One dimension (requests, tokens, …) of a provider's rate limit, modelled as
 * the token bucket the provider runs: `capacity` units, refilled continuously
 * at `ratePerMs` (OpenAI and Anthropic both refill their per-minute limits
 * continuously: one request's worth comes back after `60 000 / limit` ms, not
 * at the end of a minute). Pure arithmetic on a plain object; tested with tables.
 *
 * `level` may go negative: a call that must wait takes its share at once and
 * waits until the bucket has refilled past it. Calls behind it wait longer,
 * so a queue never wakes all at once to find one slot.
 */
export interface Bucket {
  capacity: number;
  /** The refill this process allows itself: `base`, or less while others use part of the limit. */
  ratePerMs: number;
  /** The refill of the limit itself (the provider's, or the configured one). */
  base: number;
  /** The most this process lets build up (its share of `capacity`); `capacity` when absent. */
  ceiling?: number;
  /** Units left at clock time `at` (before refill since then). */
  level: number;
  at: number;
  /** Units taken by calls still waiting (not yet sent): fresh headers do not know about them. */
  pending: number;
  /** When the provider will have refilled completely, for a bucket without a known limit. */
  fullAt?: number;
}

export const MINUTE_MS = 60_000;

/** A full bucket for a limit per minute (what the user configured). */
export function perMinute(limit: number, now: number): Bucket {
  return { capacity: limit, ratePerMs: limit / MINUTE_MS, base: limit / MINUTE_MS, level: limit, at: now, pending: 0 };
}

/** Units in the bucket at `now`, refilled since the last update. */
export function levelAt(b: Bucket, now: number): number {
  const top = b.ceiling ?? b.capacity;
  if (b.fullAt !== undefined && now >= b.fullAt) return top;
  return Math.min(top, b.level + Math.max(0, now - b.at) * b.ratePerMs);
}

/** The most one call can take: a call heavier than what the bucket can hold takes all of it. */
const clamp = (b: Bucket, weight: number) => Math.min(Math.max(0, weight), b.ceiling ?? b.capacity);

/** Milliseconds until `weight` units are in the bucket (0: now). Does not change the bucket. */
export function waitFor(b: Bucket, weight: number, now: number): number {
  const missing = clamp(b, weight) - levelAt(b, now);
  if (missing <= 0) return 0;
  if (b.ratePerMs > 0) return Math.ceil(missing / b.ratePerMs);
  return b.fullAt !== undefined ? Math.max(0, b.fullAt - now) : Infinity;
}

/** Takes `weight` units now (the level may go negative: see {@link Bucket}). */
export function take(b: Bucket, weight: number, now: number): void {
  b.level = levelAt(b, now) - clamp(b, weight);
  b.at = now;
  if (b.fullAt !== undefined && now >= b.fullAt) b.fullAt = undefined;
}

/**
 * Changes the refill rate from `now` on (what refilled so far at the old rate
 * is kept), and holds at most the same share of the capacity (at least 1 unit):
 * processes sharing a limit must not each keep a whole burst. `most`, when
 * given, caps that share further (a process's configured part of the burst).
 */
export function setRate(b: Bucket, ratePerMs: number, now: number, most?: number): void {
  let ceiling = b.base > 0 && ratePerMs < b.base && Number.isFinite(b.capacity) ? Math.max(1, (b.capacity * ratePerMs) / b.base) : undefined;
  if (most !== undefined && Number.isFinite(most) && Math.max(1, most) < (ceiling ?? b.capacity)) ceiling = Math.max(1, most);
  if (b.ratePerMs === ratePerMs && b.ceiling === ceiling) return;
  b.level = levelAt(b, now);
  b.at = Math.max(b.at, now);
  b.ratePerMs = ratePerMs;
  if (ceiling === undefined) delete b.ceiling;
  else {
    b.ceiling = ceiling;
    b.level = Math.min(b.level, ceiling);
  }
}

/** Gives back what a call took but never used (it was aborted while waiting). */
export function giveBack(b: Bucket, weight: number, now: number): void {
  b.level = Math.min(b.ceiling ?? b.capacity, levelAt(b, now) + clamp(b, weight));
  b.at = now;
}

/**
 * The bucket as the provider's latest headers describe it. `limit` is per
 * minute for both providers, so the refill rate is `limit / 60 000` per ms; the
 * reset (OpenAI: the time until the bucket is full again; Anthropic: the
 * RFC 3339 time it is full again) is only used when no limit was sent.
 * Units still waiting to be sent (`pending`) are subtracted: the provider has
 * not seen them yet. Returns `undefined` when the window says too little.
 */
export function fromWindow(w: RateLimitWindow | undefined, pending: number, now: number): Bucket | undefined {
  if (!w || w.remaining === undefined) return undefined;
  const limit = w.limit !== undefined && w.limit > 0 ? w.limit : undefined;
  // Neither a rate nor a time when it is full again: nothing to wait for.
  if (limit === undefined && w.resetAt === undefined) return undefined;
  // Without a limit the size is unknown: what remains now, and no cap once it is full again.
  const capacity = limit === undefined ? Infinity : Math.max(limit, w.remaining);
  const rate = limit !== undefined ? limit / MINUTE_MS : 0;
  const b: Bucket = { capacity, ratePerMs: rate, base: rate, level: w.remaining - pending, at: now, pending };
  if (limit === undefined && w.resetAt !== undefined) b.fullAt = w.resetAt;
  return b;
}
