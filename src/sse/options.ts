import * as z from '../options/zod.js';
import type { Clock } from '../clock/clock.js';
import type { EventHistory } from './history.js';
import { clockSchema, positiveInt, positiveMs } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

export interface EventStreamOptions {
  /**
   * Event names to forward. Unknown names are allowed (events of later releases).
   * @default every event the client emits
   * @example events: ['fallback', 'breaker:open', 'breaker:close', 'exhausted']
   */
  readonly events?: readonly string[] | undefined;
  /**
   * Interval of `snapshot` frames, in ms; `false` sends only the first one, on connect.
   * @default 2_000
   */
  readonly snapshotEveryMs?: number | false | undefined;
  /**
   * Interval of `: heartbeat` comments, in ms, which keep proxies from closing an idle stream; `false` disables them.
   * @default 15_000
   */
  readonly heartbeatMs?: number | false | undefined;
  /** Where the snapshot and heartbeat timers run. @default systemClock */
  readonly clock?: Clock | undefined;
  /** Ends the stream and removes every listener when it aborts: pass the request's signal. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Frames buffered for a slow reader before new ones are dropped (a `: dropped N` comment says so).
   * @default 1_000
   */
  readonly maxQueuedFrames?: number | undefined;
  /**
   * Replays these recorded frames (events and earlier snapshots, oldest first)
   * on connect, before the current snapshot, so a late reader sees the recent
   * past. Make one with `createEventHistory(client)` and share it between streams.
   * @default none: a stream starts from the current snapshot
   */
  readonly history?: EventHistory | undefined;
}

const intervalOrOff = () => z.union([positiveMs(), z.literal(false)], { error: 'expected a positive number of milliseconds or false' });

const schema = z.strictObject({
  events: z.optional(z.array(z.string().check(z.minLength(1)), { error: 'expected an array of event names' }).check(z.minLength(1, { error: 'expected at least one event name' }))),
  snapshotEveryMs: z.optional(intervalOrOff()),
  heartbeatMs: z.optional(intervalOrOff()),
  clock: z.optional(clockSchema()),
  signal: z.optional(z.custom<AbortSignal>((v) => typeof v === 'object' && v !== null && typeof (v as AbortSignal).addEventListener === 'function' && 'aborted' in v, {
    error: 'expected an AbortSignal',
  })),
  maxQueuedFrames: z.optional(positiveInt()),
  history: z.optional(z.custom<EventHistory>((v) => typeof v === 'object' && v !== null && typeof (v as EventHistory).frames === 'function', {
    error: 'expected an event history (createEventHistory)',
  })),
});

export function resolveEventStreamOptions(options: EventStreamOptions): EventStreamOptions {
  return validateOptions(schema, options, 'createEventStream');
}
