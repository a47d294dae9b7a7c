import * as z from './zod.js';
import type { Clock } from '../clock/clock.js';

/** Schema builders that carry the message users see, so every option reads alike. */
export const nonNegativeInt = () =>
  z.number({ error: 'expected a non-negative integer' }).check(z.int({ error: 'expected a non-negative integer' }), z.gte(0, { error: 'expected a non-negative integer' }));

export const positiveInt = () =>
  z.number({ error: 'expected a positive integer' }).check(z.int({ error: 'expected a positive integer' }), z.gte(1, { error: 'expected a positive integer' }));

/**
 * The longest wait a Node timer can hold: a longer one fires after 1 ms
 * instead (Node's TimeoutOverflowWarning), so durations that become timers are
 * capped here and a longer value is refused at construction.
 */
export const MAX_TIMER_MS = 2_147_483_647;
const TOO_LONG = { error: `expected at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node can run)` };

// z.number() itself refuses NaN and ±Infinity, with the number's own message.
export const nonNegativeMs = () =>
  z.number({ error: 'expected a non-negative number of milliseconds' }).check(z.gte(0, { error: 'expected a non-negative number of milliseconds' }), z.lte(MAX_TIMER_MS, TOO_LONG));

export const positiveMs = () =>
  z.number({ error: 'expected a positive number of milliseconds' }).check(z.gt(0, { error: 'expected a positive number of milliseconds' }), z.lte(MAX_TIMER_MS, TOO_LONG));

/** A duration that is only compared with clock times, never waited on (a rolling window, a TTL): no timer cap. */
export const longMs = () =>
  z.number({ error: 'expected a positive number of milliseconds' }).check(z.gt(0, { error: 'expected a positive number of milliseconds' }));

export const percentage = () =>
  z.number({ error: 'expected a percentage between 0 and 100' }).check(z.gte(0, { error: 'expected a percentage between 0 and 100' }), z.lte(100, { error: 'expected a percentage between 0 and 100' }));

export const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { error: `expected ${what}` });

export const modelName = () => z.string({ error: 'expected a model name (non-empty string)' }).check(z.minLength(1, { error: 'expected a model name (non-empty string)' }));

/** An injected clock: an object with `now`, `setTimeout` and `clearTimeout`. */
export const clockSchema = () =>
  z.custom<Clock>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as Clock).now === 'function' &&
      typeof (v as Clock).setTimeout === 'function' &&
      typeof (v as Clock).clearTimeout === 'function',
    { error: 'expected a clock with now(), setTimeout() and clearTimeout()' },
  );

/**
 * A schema built the first time it is asked for, then kept. Options schemas
 * are declared this way rather than built at module level so that importing
 * the package constructs no zod schema at all (zod's first construction alone
 * costs about a millisecond); a client pays for the ones it validates, once.
 */
export function schemaOnFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}
