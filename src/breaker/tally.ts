/** What the replay drives: opossum's `emit`, so its own listeners count (decision record 0019). */
interface Counter {
  emit(event: 'fire' | 'success', ...args: unknown[]): boolean;
}

/**
 * The calls a closed breaker has seen before its opossum instance exists
 * (decision record 0019): per bucket of the breaker's rolling window, the
 * calls started (opossum's `fires`) and the calls ended without a counted
 * failure (its `successes`; a neutral failure is one, as in opossum). Rotated
 * with the window from the clock. A counted failure is never kept here: the
 * first one creates the opossum instance, which gets these counts replayed.
 */
export class ClosedTally {
  /** Bucket `i`: its fires at `2i`, its successes at `2i + 1`. `#head` is the current bucket. */
  readonly #counts: number[];
  #head = 0;

  constructor(buckets: number) {
    this.#counts = new Array<number>(2 * buckets).fill(0);
  }

  fire(): void {
    this.#counts[2 * this.#head]!++;
  }

  succeed(): void {
    this.#counts[2 * this.#head + 1]!++;
  }

  /** Moves the window on by `times` buckets (at most its length matters): the oldest are forgotten. */
  rotate(times: number): void {
    const n = this.#counts.length / 2;
    for (let i = 0; i < Math.min(times, n); i++) {
      this.#head = (this.#head + 1) % n;
      this.#counts[2 * this.#head] = 0;
      this.#counts[2 * this.#head + 1] = 0;
    }
  }

  /**
   * Hands the window to a new opossum breaker through its public events,
   * oldest bucket first, calling `rotate` (its rotation controller) between
   * buckets, so every count lands in the bucket it was made in and leaves the
   * window when it would have. One event per count: the ones `fire()` would
   * have emitted as the calls ran.
   */
  replay(engine: Counter, rotate: () => void): void {
    const n = this.#counts.length / 2;
    for (let age = n - 1; age >= 0; age--) {
      const b = (this.#head - age + n) % n;
      for (let i = this.#counts[2 * b]!; i > 0; i--) engine.emit('fire');
      for (let i = this.#counts[2 * b + 1]!; i > 0; i--) engine.emit('success', undefined, 0);
      if (age > 0) rotate();
    }
  }
}
