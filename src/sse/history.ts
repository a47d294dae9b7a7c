import * as z from '../options/zod.js';
import { type Clock, systemClock } from '../clock/clock.js';
import { clockSchema, positiveInt, positiveMs } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';
import { EVENT_NAMES, type ObservableClient, readSnapshot } from './observable.js';

export interface EventHistoryOptions {
  /** Events kept, oldest dropped first. @default 500 */
  readonly maxEvents?: number | undefined;
  /** Snapshot frames kept (the dashboard's latency chart shows 60). @default 60 */
  readonly maxSnapshots?: number | undefined;
  /**
   * A snapshot is recorded with the first event at least this long after the
   * previous one, so quiet periods cost nothing and no timer runs.
   * @default 2_000
   */
  readonly snapshotEveryMs?: number | undefined;
  /** Event names to record. @default every event the client emits */
  readonly events?: readonly string[] | undefined;
  /** Timestamps of recorded snapshots. @default systemClock */
  readonly clock?: Clock | undefined;
}

/** One recorded frame: an event with its payload, or a `snapshot` frame. */
export interface HistoryFrame {
  readonly event: string;
  readonly data: unknown;
}

/**
 * The recent past of a client, replayed to every event stream that connects,
 * so a page opened late shows what happened before it (see
 * `createEventStream`'s `history` option).
 */
export interface EventHistory {
  /** Recorded frames, oldest first. */
  frames(): HistoryFrame[];
  /** Stops recording and removes the listeners. Safe to call twice. */
  dispose(): void;
}

const schema = z.strictObject({
  maxEvents: z.optional(positiveInt().check(z.lte(100_000, { error: 'expected at most 100000' }))),
  maxSnapshots: z.optional(positiveInt().check(z.lte(10_000, { error: 'expected at most 10000' }))),
  snapshotEveryMs: z.optional(positiveMs()),
  events: z.optional(z.array(z.string().check(z.minLength(1)), { error: 'expected an array of event names' }).check(z.minLength(1, { error: 'expected at least one event name' }))),
  clock: z.optional(clockSchema()),
});

type Entry = { readonly seq: number; readonly frame: HistoryFrame };

/**
 * Starts recording `client`'s events (and a snapshot every `snapshotEveryMs`,
 * taken on an event) into two bounded rings. Memory is bounded by
 * `maxEvents` + `maxSnapshots` frames.
 *
 * @example
 * const history = createEventHistory(client);
 * const stream = createEventStream(client, { history });
 */
export function createEventHistory(client: ObservableClient, options: EventHistoryOptions = {}): EventHistory {
  const o = validateOptions(schema, options, 'createEventHistory') as EventHistoryOptions;
  const clock = o.clock ?? systemClock;
  const maxEvents = o.maxEvents ?? 500;
  const maxSnapshots = o.maxSnapshots ?? 60;
  const every = o.snapshotEveryMs ?? 2_000;
  const events: Entry[] = [];
  const snapshots: Entry[] = [];
  let seq = 0;
  let lastSnapshotAt = Number.NEGATIVE_INFINITY;

  const push = (ring: Entry[], max: number, frame: HistoryFrame) => {
    ring.push({ seq: seq++, frame });
    if (ring.length > max) ring.shift();
  };
  const record = (event: string, payload: unknown) => {
    const now = clock.now();
    if (now - lastSnapshotAt >= every) {
      lastSnapshotAt = now;
      try {
        push(snapshots, maxSnapshots, { event: 'snapshot', data: { timestamp: now, snapshot: readSnapshot(client, now) } });
      } catch {
        // a failing monitor must not break the client's event delivery
      }
    }
    push(events, maxEvents, { event, data: payload });
  };
  let unsubs = (o.events ?? EVENT_NAMES).map((name) => client.on(name, (payload: unknown) => record(name, payload)));

  return {
    frames() {
      // Both rings are in sequence order: merge them.
      const out: HistoryFrame[] = [];
      let i = 0;
      let j = 0;
      while (i < events.length || j < snapshots.length) {
        const takeEvent = j >= snapshots.length || (i < events.length && events[i]!.seq < snapshots[j]!.seq);
        out.push(takeEvent ? events[i++]!.frame : snapshots[j++]!.frame);
      }
      return out;
    },
    dispose() {
      for (const u of unsubs) u();
      unsubs = [];
    },
  };
}
