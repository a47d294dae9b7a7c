import * as z from '../options/zod.js';
import type { Clock, TimerHandle } from '../clock/clock.js';
import { fn, schemaOnFirstUse } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

export interface DailyReportOptions {
  readonly clock: Clock;
  /** Local time of day, `HH:MM` (24 h). @example '09:00' */
  readonly at: string;
  /** IANA time zone the times are read in. @default 'UTC' */
  readonly timeZone?: string | undefined;
  /**
   * A run falling in [from, to) local time is deferred to `to`, so nothing is
   * delivered inside the window. It may wrap midnight (`22:00`–`06:00`).
   * @example { from: '02:00', to: '07:00' }
   */
  readonly quietHours?: { readonly from: string; readonly to: string } | undefined;
  /** Builds and delivers the report; a rejection goes to `onError`, the schedule continues. */
  readonly produce: (at: number) => unknown;
  readonly onError?: ((error: unknown) => void) | undefined;
}

export interface DailyReportHandle {
  /** Clock time of the next run, or undefined once disposed. */
  next(): number | undefined;
  dispose(): void;
}

const hhmm = () => z.string({ error: "expected a time 'HH:MM'" }).check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "expected a time 'HH:MM'" }));
const schema = schemaOnFirstUse(() => z.strictObject({
  clock: z.custom<Clock>((v) => typeof (v as Clock | undefined)?.setTimeout === 'function', { error: 'expected a clock' }),
  at: hhmm(),
  timeZone: z.optional(z.string({ error: 'expected an IANA time zone' }).check(z.refine((tz) => { try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; } }, { error: 'expected an IANA time zone' }))),
  quietHours: z.optional(z.strictObject({ from: hhmm(), to: hhmm() })),
  produce: fn<(at: number) => unknown>('a function'),
  onError: z.optional(fn<(e: unknown) => void>('a function')),
}));

const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
const DAY = 86_400_000;

/** Wall-clock fields of instant `t` in `timeZone`. */
function wall(t: number, f: Intl.DateTimeFormat): { y: number; mo: number; d: number; min: number; utc: number } {
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
  const h = p.hour! % 24; // some engines print midnight as 24
  return { y: p.year!, mo: p.month!, d: p.day!, min: h * 60 + p.minute!, utc: Date.UTC(p.year!, p.month! - 1, p.day!, h, p.minute!, p.second!) };
}

/** The instant when local day (y, mo, d) shows minute-of-day `min`; in a DST gap, the first instant after it. */
export function localToInstant(y: number, mo: number, d: number, min: number, f: Intl.DateTimeFormat): number {
  const guess = Date.UTC(y, mo - 1, d, 0, min);
  let t = guess;
  // Two corrections settle the offset, including across a DST change.
  for (let i = 0; i < 2; i++) t = guess - (wall(t, f).utc - Math.floor(t / 1000) * 1000);
  return t;
}

/** The first run strictly after `now`, with the quiet window applied. */
export function nextRun(now: number, o: { at: string; timeZone: string; quietHours?: { from: string; to: string } }): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: o.timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  const at = minutes(o.at);
  const q = o.quietHours && { from: minutes(o.quietHours.from), to: minutes(o.quietHours.to) };
  const quiet = q && (q.from <= q.to ? at >= q.from && at < q.to : at >= q.from || at < q.to);
  const target = quiet ? q.to : at;
  const today = wall(now, f);
  for (let k = 0; k < 3; k++) {
    // Walk calendar days in UTC so month ends and DST days need no special case.
    const day = new Date(Date.UTC(today.y, today.mo - 1, today.d + k));
    const t = localToInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), target, f);
    if (t > now) return t;
  }
  return now + DAY; // unreachable for valid zones
}

/**
 * Calls `produce` every day at `at` local time on the injected clock. One timer
 * at a time, re-armed after each run from the clock's time (so a late timer does
 * not drift the schedule); `dispose` clears it.
 *
 * With `quietHours`, a run that would fall inside the window moves to its end.
 */
export function scheduleDailyReport(options: DailyReportOptions): DailyReportHandle {
  const o = validateOptions(schema(), options, 'scheduleDailyReport');
  const clock = o.clock;
  const cfg = { at: o.at, timeZone: o.timeZone ?? 'UTC', ...(o.quietHours ? { quietHours: o.quietHours } : {}) } as const;
  let timer: TimerHandle | undefined;
  let due: number | undefined;
  let disposed = false;

  const arm = (from: number) => {
    due = nextRun(from, cfg);
    if (disposed) return;
    timer = clock.setTimeout(fire, due - clock.now());
  };
  const fire = () => {
    timer = undefined;
    const at = due!;
    if (clock.now() < at) return arm(clock.now() - 1); // fired early: wait for the rest
    try {
      Promise.resolve(o.produce(at)).catch((e: unknown) => o.onError?.(e));
    } catch (e) {
      o.onError?.(e);
    }
    if (!disposed) arm(Math.max(at, clock.now()));
  };
  arm(clock.now());
  return {
    next: () => (disposed ? undefined : due),
    dispose() {
      disposed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      due = undefined;
    },
  };
}
