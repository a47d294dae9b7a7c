import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import { freeSlot } from './account.js';
import { MINUTE_MS, levelAt } from './bucket.js';
import { DIMS, type Dim, type ModelState } from './learn.js';
import type { Release } from './slots.js';
import type { CallWeight } from './types.js';

/** Calls of one model tracked in flight at most; past it the oldest is dropped and headers are not trusted above the level until it drains. */
const MAX_FLIGHTS = 1_024;
/** Room for this many calls at first (a model used a few times keeps a few numbers); doubled as needed up to {@link MAX_FLIGHTS}. */
const FIRST_ROOM = 4;

/**
 * What one model's calls in flight tell about fresh headers. A response's
 * `remaining` is the provider's room when it received that call: everything this
 * process sent after it is not in it yet. Which call carried the headers is not
 * known, but it is one still in flight, so what was sent since the oldest call in
 * flight was sent is at least what the headers miss.
 *
 * Every call admitted is listed here, so this is on the path of every call: the list
 * is a ring of plain numbers (what this process had sent before each call, and
 * whether it ended), not an object per call. A call's requests before it are its
 * place in the send order.
 */
export class Flights {
  /** Units sent so far (never decreased: a call given back only makes the bound safer); requests are {@link #tail}. */
  #tokens = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  /** Output tokens given back by answers so far (their cap beyond what they wrote; see {@link refunded}). */
  #refunded = 0;
  /** Per listed call, at `4 × (seq & mask)`: the tokens, input and output tokens sent before it, and the output given back before it. */
  #before: number[] = [];
  /** Per listed call, at `seq & mask`: it has ended. */
  #done: boolean[] = [];
  #mask = FIRST_ROOM - 1;
  /** Calls listed at most (a power of two, at least {@link FIRST_ROOM}). */
  readonly #max: number;
  /** Send order of the oldest call listed, and of the next call. */
  #head = 0;
  #tail = 0;
  /** A call was dropped from the list while in flight: the bound is unknown until every call sent meanwhile has ended. */
  #lost = 0;

  constructor(max = MAX_FLIGHTS) {
    this.#max = max;
  }

  /**
   * A call of `weight` is sent now; the release ends its flight (idempotent), then gives back the
   * concurrency slot of `slot` the call took (one closure for both), then calls `then`. Its place in
   * the send order, −1 once released, is also its "released" flag: one variable fewer in its context.
   */
  start(weight: CallWeight | number, then: Release, slot?: ModelState): Release {
    let seq = this.begin(weight);
    return () => {
      if (seq < 0) return;
      const ended = seq;
      seq = -1;
      this.end(ended, slot);
      then();
    };
  }

  /**
   * A call of `weight` is sent now: its place in the send order, which {@link end} takes once it
   * ends. The client's own admission keeps the number rather than a release closure per call
   * (decision 0063); whoever keeps it ends it exactly once.
   */
  begin(weight: CallWeight | number): number {
    if (this.#tail - this.#head >= this.#max) {
      this.#head++; // the oldest is dropped, ended or not
      this.#lost = this.#max;
    } else if (this.#tail - this.#head > this.#mask) this.#grow();
    const seq = this.#tail++;
    const i = seq & this.#mask;
    const b = this.#before;
    b[4 * i] = this.#tokens;
    b[4 * i + 1] = this.#inputTokens;
    b[4 * i + 2] = this.#outputTokens;
    b[4 * i + 3] = this.#refunded;
    this.#done[i] = false;
    // The same sums, in the same order, as `unitsOf` per dimension.
    if (typeof weight === 'number') {
      this.#tokens += weight;
      this.#inputTokens += weight;
    } else {
      this.#tokens += weight.inputTokens + weight.outputTokens;
      this.#inputTokens += weight.inputTokens;
      this.#outputTokens += weight.outputTokens;
    }
    return seq;
  }

  /** The call at `seq` (from {@link begin}) has ended: its flight, then the concurrency slot of `slot` it took. Call once per call. */
  end(seq: number, slot: ModelState | undefined): void {
    // Still listed: its slot is its own (a slot is reused only once its call has left the list).
    if (seq >= this.#head) this.#done[seq & this.#mask] = true;
    if (slot) freeSlot(slot);
  }

  /** Twice the room, each listed call moved to its place under the new mask. */
  #grow(): void {
    const mask = this.#mask * 2 + 1;
    const before: number[] = new Array<number>(4 * (mask + 1)).fill(0);
    const done: boolean[] = new Array<boolean>(mask + 1).fill(false);
    for (let seq = this.#head; seq < this.#tail; seq++) {
      const from = seq & this.#mask;
      const to = seq & mask;
      for (let k = 0; k < 4; k++) before[4 * to + k] = this.#before[4 * from + k]!;
      done[to] = this.#done[from]!;
    }
    this.#before = before;
    this.#done = done;
    this.#mask = mask;
  }

  /** An answer gave back `units` of output tokens it was counted for but did not write. */
  refund(units: number): void {
    this.#refunded += units;
  }

  /**
   * Output tokens answers gave back since the oldest call still in flight was sent (0 when none is,
   * undefined: not known). Fresh headers describe the provider when it received the call that carried
   * them, one still in flight: what answers gave back since may not be in them yet.
   */
  refunded(): number | undefined {
    const from = this.#oldest();
    if (from === undefined) return undefined;
    return from === this.#tail ? 0 : this.#refunded - this.#before[4 * (from & this.#mask) + 3]!;
  }

  /** Send order of the oldest call still in flight ({@link #tail}: none; undefined: not known). Drops the ended calls before it. */
  #oldest(): number | undefined {
    let seq = this.#head;
    while (seq < this.#tail && this.#done[seq & this.#mask]) seq++;
    if (seq > this.#head) {
      this.#lost = Math.max(0, this.#lost - (seq - this.#head));
      this.#head = seq;
    }
    return this.#lost > 0 ? undefined : seq;
  }

  /** Units sent since the oldest call still in flight was sent (undefined: not known). Drops the ended calls before it. */
  since(dim: Dim): number | undefined {
    const seq = this.#oldest();
    if (seq === undefined) return undefined;
    if (seq === this.#tail) return 0;
    const i = 4 * (seq & this.#mask);
    if (dim === 'requests') return this.#tail - seq;
    if (dim === 'tokens') return this.#tokens - this.#before[i]!;
    return dim === 'inputTokens' ? this.#inputTokens - this.#before[i + 1]! : this.#outputTokens - this.#before[i + 2]!;
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
      const since = this.since(dim);
      if (since === undefined) return;
      const room = Math.min(b.ceiling ?? b.capacity, part * remaining - b.pending - since);
      if (room > levelAt(b, now)) {
        b.level = room;
        b.at = now;
      }
    }
  }
}
