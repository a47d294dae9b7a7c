import type { Clock, TimerHandle } from './clock.js';

/** A deadline waiting in a {@link Deadlines} sweep; what `remove` takes. */
export interface Deadline {
  /** When it falls due, on the clock. */
  readonly at: number;
  readonly fire: () => void;
  prev: Deadline | undefined;
  next: Deadline | undefined;
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
    const entry: Deadline = { at, fire, prev: undefined, next: undefined, live: true };
    if (this.#disposed) {
      entry.live = false;
      return entry;
    }
    let after = this.#tail;
    while (after && after.at > at) after = after.prev;
    entry.prev = after;
    entry.next = after ? after.next : this.#head;
    if (entry.next) entry.next.prev = entry;
    else this.#tail = entry;
    if (after) after.next = entry;
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
    for (let e = this.#head; e; e = e.next) e.live = false;
    this.#head = this.#tail = undefined;
    this.#live = 0;
    this.#clear();
  }

  #unlink(entry: Deadline): void {
    entry.live = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = entry.next = undefined;
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
