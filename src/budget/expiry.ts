import { type DayTracker, type WindowShape, bucketMs } from './period.js';

const SWEEP_EVERY_MS = 60_000;
// A day key later than today: the clock went back (tests, NTP). Kept two days, then looked at again.
const FUTURE_GRACE_MS = 2 * 86_400_000;

/**
 * When each store key the budget touched stops mattering: a day (and a
 * per-model day) at the next local midnight, a window bucket once it has left
 * the window, a task `taskTtlMs` after its last call. The manager asks for the
 * keys that are due at most once a minute of clock time and deletes them from
 * the store, so totals stay bounded however long the process runs.
 */
export class KeyExpiry {
  readonly #day: DayTracker;
  readonly #window: WindowShape | undefined;
  readonly #taskTtlMs: number;
  readonly #until = new Map<string, number>();
  #nextSweep = Number.NEGATIVE_INFINITY;
  /**
   * Keys whose end does not move with the time of use (today's day keys, window buckets), already
   * tracked: touching one again on the same day changes nothing, so it is not recomputed (every call
   * touches its scopes). Forgotten when the day ends or the clock goes back.
   */
  readonly #settled = new Set<string>();
  #settledFrom = Number.POSITIVE_INFINITY;
  /** The key of {@link #settled} touched last: a call touches the same day key at reserve and at settle, and so does the next call. */
  #lastSettled: string | undefined;
  #settledUntil = Number.NEGATIVE_INFINITY;

  constructor(day: DayTracker, window: WindowShape | undefined, taskTtlMs: number) {
    this.#day = day;
    this.#window = window;
    this.#taskTtlMs = taskTtlMs;
  }

  /** Keys tracked now: the live keys of the store. */
  get size(): number {
    return this.#until.size;
  }

  /** Notes a use of `key` at `now` (a task's TTL restarts). Keys of unknown shape are left alone. */
  touch(key: string, now: number): void {
    if (now >= this.#settledFrom && now < this.#settledUntil) {
      if (key === this.#lastSettled) return;
      if (this.#settled.has(key)) {
        this.#lastSettled = key;
        return;
      }
    } else {
      this.#settled.clear();
      this.#lastSettled = undefined;
      this.#settledFrom = now;
      this.#settledUntil = this.#day.at(now).resetsAt;
    }
    const until = this.#untilOf(key, now);
    if (until === undefined) return;
    this.#until.set(key, until);
    if (until > now && !key.startsWith('task:') && until !== now + FUTURE_GRACE_MS) this.#settled.add(key);
  }

  /** Whether {@link due} would look at the keys at `now` (a sweep is due). */
  sweepDue(now: number): boolean {
    return now >= this.#nextSweep;
  }

  /** The keys whose period is over, removed from tracking; empty unless a sweep is due. */
  due(now: number): string[] {
    if (now < this.#nextSweep) return [];
    this.#nextSweep = now + SWEEP_EVERY_MS;
    const out: string[] = [];
    for (const [key, until] of this.#until) {
      if (until > now) continue;
      this.#until.delete(key);
      this.#settled.delete(key);
      if (key === this.#lastSettled) this.#lastSettled = undefined;
      out.push(key);
    }
    return out;
  }

  #untilOf(key: string, now: number): number | undefined {
    if (key.startsWith('task:')) return now + this.#taskTtlMs;
    if (key.startsWith('window:')) {
      const bucket = Number(key.slice('window:'.length));
      if (!this.#window || !Number.isSafeInteger(bucket)) return now;
      return (bucket + 1) * bucketMs(this.#window) + this.#window.windowMs;
    }
    // `day:<YYYY-MM-DD>` and `model:<YYYY-MM-DD>:<model>`: ISO dates compare as strings.
    const date = key.startsWith('day:') ? key.slice(4, 14) : key.startsWith('model:') ? key.slice(6, 16) : undefined;
    if (date === undefined) return undefined;
    const today = this.#day.at(now);
    if (date === today.key) return today.resetsAt;
    return date < today.key ? now : now + FUTURE_GRACE_MS;
  }
}
