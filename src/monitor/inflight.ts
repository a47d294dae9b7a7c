import type { Clock, TimerHandle } from '../clock/clock.js';

/** Returned by {@link InFlight.start}; pass it back to `end`. */
export type CallToken = number;

/**
 * Calls in progress, kept in reusable slots (no allocation per call once the
 * pool has grown to the peak concurrency), plus one watchdog timer for the whole
 * monitor — never one per call or per model — armed while calls run.
 *
 * When the last call ends, a clock that can hold a timer without keeping the
 * process alive ({@link Clock.keepAlive}: the system clock, whose timers here
 * never hold it) leaves the watchdog armed, so a sequential caller's next call
 * arms nothing; when it fires with nothing in flight it re-arms nothing, so an
 * idle monitor holds it at most one threshold. A clock that cannot (the fake
 * clock) has it cleared at once: an idle monitor there holds no timer.
 */
export class InFlight {
  #models: (string | undefined)[] = [];
  #starts: number[] = [];
  #flagged: boolean[] = [];
  #free: number[] = [];
  #active = 0;
  #timer: TimerHandle | undefined;
  #timerDue = Infinity;
  readonly #clock: Clock;
  readonly #thresholdMs: number | undefined;
  readonly #onLong: (model: string, ageMs: number) => void;

  constructor(clock: Clock, thresholdMs: number | undefined, onLong: (model: string, ageMs: number) => void) {
    this.#clock = clock;
    this.#thresholdMs = thresholdMs;
    this.#onLong = onLong;
  }

  /**
   * `limitMs`: the call is ended by a deadline of its own after at most that long. One shorter
   * than the threshold can never run long, so it is counted but not watched (no timer armed for it).
   */
  start(model: string, now: number, limitMs?: number): CallToken {
    const slot = this.#free.pop() ?? this.#models.length;
    this.#models[slot] = model;
    this.#starts[slot] = now;
    const watched = this.#thresholdMs !== undefined && !(limitMs !== undefined && limitMs < this.#thresholdMs);
    this.#flagged[slot] = !watched;
    this.#active++;
    // An armed timer due no later than this call's threshold finds it in its sweep (a clock set back is the exception).
    if (watched && (this.#timer === undefined || now + this.#thresholdMs! < this.#timerDue)) this.#arm(now + this.#thresholdMs!);
    return slot;
  }

  end(token: CallToken): void {
    if (this.#models[token] === undefined) return; // ended twice
    this.#models[token] = undefined;
    this.#free.push(token);
    // Nothing left to watch: the timer goes, unless the clock can leave it armed without holding the process.
    if (--this.#active === 0 && this.#clock.keepAlive === undefined) this.#disarm();
  }

  /** Count and oldest start per model. */
  summary(): Map<string, { count: number; oldest: number }> {
    const out = new Map<string, { count: number; oldest: number }>();
    this.#models.forEach((m, i) => {
      if (m === undefined) return;
      const e = out.get(m);
      const start = this.#starts[i]!;
      if (!e) out.set(m, { count: 1, oldest: start });
      else {
        e.count++;
        e.oldest = Math.min(e.oldest, start);
      }
    });
    return out;
  }

  #arm(due: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#sweep();
    }, due - this.#clock.now());
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
  }

  /** Flags every call past the threshold once, then re-arms for the next one due. */
  #sweep(): void {
    const threshold = this.#thresholdMs!;
    const now = this.#clock.now();
    let next = Infinity;
    this.#models.forEach((m, i) => {
      if (m === undefined || this.#flagged[i]) return;
      const age = now - this.#starts[i]!;
      if (age >= threshold) {
        this.#flagged[i] = true;
        this.#onLong(m, age);
      } else next = Math.min(next, this.#starts[i]! + threshold);
    });
    this.#timerDue = Infinity;
    if (next !== Infinity && this.#timer === undefined) this.#arm(next);
  }

  get due(): number {
    return this.#timerDue;
  }

  dispose(): void {
    this.#disarm();
  }
}
