/**
 * Calendar arithmetic for budget periods, as pure functions of a clock time:
 * the local day in an IANA time zone (through Intl, so DST and odd offsets
 * come from the platform's tz database) and rolling-window buckets.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the platform knows `timeZone` (e.g. `Europe/Paris`, `UTC`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local calendar date of `epochMs` in `timeZone`, as `YYYY-MM-DD`. */
export function dayKey(epochMs: number, timeZone: string): string {
  let y = '';
  let m = '';
  let d = '';
  for (const part of formatter(timeZone).formatToParts(epochMs)) {
    if (part.type === 'year') y = part.value;
    else if (part.type === 'month') m = part.value;
    else if (part.type === 'day') d = part.value;
  }
  return `${y.padStart(4, '0')}-${m}-${d}`;
}

// A local day lasts at most 25 h (DST) and offsets never jump back by a day,
// so 48 h later is always a later local date.
const SEARCH_SPAN_MS = 48 * 3_600_000;

/**
 * The first instant after `epochMs` that falls on a later local date: the next
 * local midnight, or the first instant of the next day where a DST jump skips
 * midnight. Found by bisection (about 28 Intl calls), so callers cache it.
 */
export function nextDayStart(epochMs: number, timeZone: string): number {
  const today = dayKey(epochMs, timeZone);
  let lo = epochMs; // known: still today
  let hi = epochMs + SEARCH_SPAN_MS; // known: a later day
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (dayKey(mid, timeZone) === today) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Caches the current day key and its end, recomputing only when the clock leaves that span. */
export class DayTracker {
  readonly timeZone: string;
  #from = Number.POSITIVE_INFINITY;
  #until = Number.NEGATIVE_INFINITY;
  #key = '';

  constructor(timeZone: string) {
    this.timeZone = timeZone;
  }

  /** The day key at `now` and the instant it ends. */
  at(now: number): { key: string; resetsAt: number } {
    return { key: this.keyAt(now), resetsAt: this.#until };
  }

  /** The day key at `now` (what {@link at} returns, without building an object). */
  keyAt(now: number): string {
    // `#from` is the first time we saw this day, not its start: a clock moved
    // backwards (tests, NTP) recomputes, never reuses a later day.
    if (now < this.#from || now >= this.#until) {
      this.#key = dayKey(now, this.timeZone);
      this.#until = nextDayStart(now, this.timeZone);
      this.#from = now;
    }
    return this.#key;
  }
}

/** Rolling-window bucket arithmetic: `buckets` slots of `bucketMs` each cover the window. */
export interface WindowShape {
  readonly windowMs: number;
  readonly buckets: number;
}

export const bucketMs = (w: WindowShape): number => Math.max(1, Math.floor(w.windowMs / w.buckets));

/** Indices of the buckets inside the window at `now`, oldest first; the last one is current. */
export function windowBuckets(now: number, w: WindowShape): number[] {
  const size = bucketMs(w);
  const current = Math.floor(now / size);
  const out: number[] = [];
  for (let i = w.buckets - 1; i >= 0; i--) out.push(current - i);
  return out;
}

/** When the oldest bucket leaves the window: the next bucket boundary. */
export const windowResetsAt = (now: number, w: WindowShape): number => (Math.floor(now / bucketMs(w)) + 1) * bucketMs(w);
