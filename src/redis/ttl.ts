/**
 * How long a budget key lives in Redis, from its shape. The manager's keys are
 * `day:YYYY-MM-DD`, `model:YYYY-MM-DD:<model>`, `window:<bucket>` and
 * `task:<id>` (see the budget manager).
 */

const HOUR = 3_600_000;
/**
 * A local date D ends, in the last zone on Earth (UTC−12), at D+1 12:00 UTC.
 * An hour of grace on top, so a snapshot taken at midnight still reads it.
 */
const LATEST_DAY_END_MS = 12 * HOUR;
const GRACE_MS = HOUR;
/** A TTL is never shorter than this: a clock far from real time must not make keys vanish at once. */
export const MIN_TTL_MS = 60_000;

export interface TtlRules {
  /** Window buckets (`window:<n>`): sliding TTL, refreshed on each write. */
  readonly windowTtlMs: number;
  /** Task keys and keys of any other shape: sliding TTL, refreshed on each write. */
  readonly taskTtlMs: number;
}

const DAY = /^(?:day|model):(\d{4})-(\d{2})-(\d{2})(?::|$)/;

/** The TTL in ms to set on `key` when writing it at `now`. */
export function ttlFor(key: string, now: number, rules: TtlRules): number {
  const day = DAY.exec(key);
  if (day) {
    const end = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + 1) + LATEST_DAY_END_MS + GRACE_MS;
    return Math.max(MIN_TTL_MS, end - now);
  }
  if (key.startsWith('window:')) return rules.windowTtlMs;
  return rules.taskTtlMs;
}
