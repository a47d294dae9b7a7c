import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { MINUTE_MS, levelAt } from './bucket.js';
import { DIMS, type Dim, type ModelState, unitsOf } from './learn.js';
import type { Release } from './slots.js';
import type { CallWeight } from './types.js';

/** Calls of one model tracked in flight at most; past it the oldest is dropped and headers are not trusted above the level until it drains. */
const MAX_FLIGHTS = 1_024;

/** One call sent: what this process had sent before it, per dimension. */
interface Flight {
  readonly before: { readonly [K in Dim]: number };
  done: boolean;
}

/**
 * What one model's calls in flight tell about fresh headers. A response's
 * `remaining` is the provider's room when it received that call: everything this
 * process sent after it is not in it yet. Which call carried the headers is not
 * known, but it is one still in flight, so what was sent since the oldest call in
 * flight was sent is at least what the headers miss.
 */
export class Flights {
  /** Units sent so far, per dimension (never decreased: a call given back only makes the bound safer). */
  readonly #sent: { [K in Dim]: number } = { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 };
  /** In send order from {@link #head}; finished ones are dropped from the front. */
  #list: Flight[] = [];
  /** Where the list starts: dropping from the front moves it, and the array is compacted only once half of it is dropped. */
  #head = 0;
  /** A call was dropped from the list while in flight: the bound is unknown until every call sent meanwhile has ended. */
  #lost = 0;

  /** A call of `weight` is sent now; the release ends its flight (idempotent), then calls `then`. */
  start(weight: () => CallWeight | number, then: Release): Release {
    const f: Flight = { before: { ...this.#sent }, done: false };
    for (const dim of DIMS) this.#sent[dim] += unitsOf(dim, weight());
    if (this.#list.length - this.#head >= MAX_FLIGHTS) {
      this.#drop(1);
      this.#lost = MAX_FLIGHTS;
    }
    this.#list.push(f);
    return () => {
      if (f.done) return;
      f.done = true;
      then();
    };
  }

  /** Units sent since the oldest call still in flight was sent (undefined: not known). */
  #since(dim: Dim): number | undefined {
    let i = this.#head;
    while (i < this.#list.length && this.#list[i]!.done) i++;
    if (i > this.#head) {
      this.#lost = Math.max(0, this.#lost - (i - this.#head));
      this.#drop(i - this.#head);
    }
    if (this.#lost > 0) return undefined;
    const oldest = this.#list[this.#head];
    return oldest ? this.#sent[dim] - oldest.before[dim] : 0;
  }

  /** Drops `n` flights from the front: no copy per drop, one when half the array is dropped ones. */
  #drop(n: number): void {
    this.#head += n;
    if (this.#head * 2 >= this.#list.length) {
      this.#list = this.#list.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Fresh headers may show more room than this process's own count: its level was cut on a guess
   * that proved wrong (others it measured before a storm, a share's smaller burst), a call it
   * counted never reached the provider, or, with others on the key, everyone pacing a little below
   * their part left room gathering at the provider. The process takes it back: its part of the
   * `remaining` shown (all of it alone; else the part of the limit it refills at), less what the
   * headers cannot know yet (its calls sent since, and those still waiting). Left there, over
   * capacity, that room stays unused for as long as calls wait.
   */
  reconcile(s: ModelState, info: RateLimitInfo, now: number): void {
    const split = info.inputTokens !== undefined || info.outputTokens !== undefined;
    for (const dim of DIMS) {
      if (split && dim === 'tokens') continue;
      const b = s.buckets[dim];
      const remaining = info[dim]?.remaining;
      const limit = info[dim]?.limit;
      // Only a bucket that follows the headers (a configured limit below the provider's stays the cap), with a
      // burst no 429 cut, and a share measured over time.
      if (!b || remaining === undefined || limit === undefined || !(b.base > 0) || Math.abs(b.base * MINUTE_MS - limit) > 1e-9 * limit || s.burst < 1) continue;
      const d = s.share[dim];
      if (!d || !(d.span > 0)) continue;
      // With others on the key, this process's part of the room, as it refills at its part of the limit.
      const part = Math.min(1, b.ratePerMs / b.base);
      const since = this.#since(dim);
      if (since === undefined) return;
      const room = Math.min(b.ceiling ?? b.capacity, part * remaining - b.pending - since);
      if (room > levelAt(b, now)) {
        b.level = room;
        b.at = now;
      }
    }
  }
}
