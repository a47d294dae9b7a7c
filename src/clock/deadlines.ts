import type { Clock, TimerHandle } from './clock.js';

/** A deadline waiting in a {@link Deadlines} sweep; what `remove` takes. */
export interface Deadline {
  /** When it falls due, on the clock. */
  readonly at: number;
  fire(): void;
  /** Its neighbours in the sweep's list (named apart from a callback list's, so one object can sit in both). */
  earlier: Deadline | undefined;
  later: Deadline | undefined;
  /** False once it fired or was removed. */
  live: boolean;
}

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

/**
 * Many deadlines on one clock timer: the timer is armed for the earliest
 * deadline, and when it fires every deadline due by then fires (earliest
 * first, ties in the order added), then it is re-armed for the next one.
 * Adding a deadline no earlier than the armed one, or removing one, touches no
 * timer. The deadlines are kept in a list ordered by due time, searched from
 * its end: attempts with the same timeout arrive in due order, so an add is
 * O(1) in the common case and a remove always is.
 *
 * While a deadline is live the timer keeps the process alive (a pending call
 * waits on it). When the last one is removed, a clock that can release a
 * timer's hold ({@link Clock.keepAlive}: the system clock) leaves the timer
 * armed without the hold, so a sequential caller's next attempt re-arms
 * nothing; a clock that cannot has it cleared. A timer that fires with nothing
 * due re-arms only for a live deadline. `dispose()` clears it.
 */
export class Deadlines {
  readonly #clock: Clock;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: TimerHandle | undefined;
  /** When the armed timer fires (+∞: none armed). */
  #armedAt = Number.POSITIVE_INFINITY;
  /** Whether the armed timer holds the process alive. */
  #held = false;
  #live = 0;
  #disposed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Deadlines waiting to fire. */
  get size(): number {
    return this.#live;
  }

  /** Calls `fire` at `at` on the clock, unless removed first. `now`: the clock's time, when the caller has just read it. */
  add(at: number, fire: () => void, now?: number): Deadline {
    return this.insert({ at, fire, earlier: undefined, later: undefined, live: false }, now);
  }

  /**
   * Waits `entry` (not waiting already): its `fire()` is called at `entry.at`,
   * unless removed first. An object that is its own deadline (a guarded attempt)
   * builds no entry and no closure for it.
   */
  insert<D extends Deadline>(entry: D, now?: number): D {
    if (this.#disposed) {
      entry.live = false;
      return entry;
    }
    entry.live = true;
    const at = entry.at;
    let after = this.#tail;
    while (after && after.at > at) after = after.earlier;
    entry.earlier = after;
    entry.later = after ? after.later : this.#head;
    if (entry.later) entry.later.earlier = entry;
    else this.#tail = entry;
    if (after) after.later = entry;
    else this.#head = entry;
    this.#live++;
    if (at < this.#armedAt) this.#arm(at, now ?? this.#clock.now());
    else if (!this.#held) this.#hold(true);
    return entry;
  }

  /** Forgets a deadline; removing it twice, or after it fired, does nothing. */
  remove(entry: Deadline): void {
    if (!entry.live) return;
    this.#unlink(entry);
    if (this.#live === 0) this.#idle();
  }

  /** Clears the timer and forgets every deadline, without firing any. */
  dispose(): void {
    this.#disposed = true;
    for (let e = this.#head; e; e = e.later) e.live = false;
    this.#head = this.#tail = undefined;
    this.#live = 0;
    this.#clear();
  }

  #unlink(entry: Deadline): void {
    entry.live = false;
    if (entry.earlier) entry.earlier.later = entry.later;
    else this.#head = entry.later;
    if (entry.later) entry.later.earlier = entry.earlier;
    else this.#tail = entry.earlier;
    entry.earlier = entry.later = undefined;
    this.#live--;
  }

  #arm(at: number, now: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#held = true;
    this.#timer = this.#clock.setTimeout(this.#sweep, Math.max(0, at - now), KEEP_ALIVE);
  }

  #clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    this.#held = false;
  }

  /** Nothing is waiting: the timer stops holding the process (or goes, on a clock that cannot release its hold). */
  #idle(): void {
    if (this.#timer === undefined) return;
    if (this.#clock.keepAlive) this.#hold(false);
    else this.#clear();
  }

  #hold(on: boolean): void {
    if (this.#timer === undefined || !this.#clock.keepAlive) return;
    this.#held = on;
    this.#clock.keepAlive(this.#timer, on);
  }

  readonly #sweep = (): void => {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    this.#held = false;
    const now = this.#clock.now();
    let entry = this.#head;
    while (entry && entry.at <= now) {
      this.#unlink(entry);
      try {
        entry.fire();
      } catch {
        // a deadline's own failure must not stop the others
      }
      entry = this.#head;
    }
    if (entry && !this.#disposed) this.#arm(entry.at, now);
  };
}
