import { type Limiter, createLimiter } from '../../src/limits/limiter.js';
import type { LimitsOptions } from '../../src/limits/options.js';
import { createFakeClock } from '../../src/testing/index.js';

const RATE = 60 / 60_000; // 60 a minute: one per second

/**
 * `workers` limiters on one provider bucket of 60 requests a minute, each
 * trying to send every 100 ms whatever its own demand; the provider answers
 * with its headers at once (remaining floored, like OpenAI's). Counts answered
 * calls and 429s, in all and in the last minute (there also per limiter).
 */
export async function shareOneLimit(
  workers: number,
  seconds: number,
  each?: (limiters: readonly Limiter[], second: number) => void,
  windowUnits?: number,
  /** Whether worker `i` has a call to send at this 100-ms step (always when absent). */
  wants?: (i: number, step: number) => boolean,
  /** Each limiter's options (none: the defaults). */
  options?: LimitsOptions,
) {
  const clock = createFakeClock();
  // A limit also enforced over a shorter window the headers do not show: a second bucket, as small as
  // that window's part of the limit, refilled at the same rate.
  let short = windowUnits ?? Number.POSITIVE_INFINITY;
  const limiters: Limiter[] = Array.from({ length: workers }, () => createLimiter(options, { clock }));
  let level = 60;
  let at = clock.now();
  const counts = { ok: 0, limited: 0, okLastMinute: 0, limitedLastMinute: 0, perWorkerLastMinute: Array.from({ length: workers }, () => 0) };
  const headers = () => ({ observedAt: clock.now(), requests: { limit: 60, remaining: Math.max(0, Math.floor(level)), resetAt: clock.now() + (60 - level) * 1_000 } });
  for (const l of limiters) l.observe('m', headers());
  for (let step = 0; step < seconds * 10; step++) {
    await clock.advance(100);
    if (step % 10 === 0) each?.(limiters, step / 10);
    short = Math.min(windowUnits ?? Number.POSITIVE_INFINITY, short + (clock.now() - at) * RATE);
    level = Math.min(60, level + (clock.now() - at) * RATE);
    at = clock.now();
    const last = step >= (seconds - 60) * 10;
    for (let i = 0; i < workers; i++) {
      const w = (i + step) % workers;
      const l = limiters[w]!;
      if ((wants && !wants(w, step)) || !l.available('m')) continue;
      (l.admit('m') as () => void)();
      if (level >= 1 && short >= 1) {
        level -= 1;
        short -= 1;
        counts.ok++;
        if (last) {
          counts.okLastMinute++;
          counts.perWorkerLastMinute[w]!++;
        }
        l.observe('m', headers());
      } else {
        counts.limited++;
        if (last) counts.limitedLastMinute++;
        l.observe('m', headers());
        l.throttled('m', 1_000, 1);
      }
    }
  }
  for (const l of limiters) l.dispose();
  return counts;
}
