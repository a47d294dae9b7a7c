import { countEarly, occupy, takeSlot } from './account.js';
import { Flights } from './flights.js';
import type { ResolvedLimits } from './options.js';
import type { Release } from './slots.js';
import type { TaskMemory } from './tasks.js';
import type { AdmitOptions, CallWeight } from './types.js';
import { type ModelState, weightOf } from './learn.js';

/*
 * The flight path of the limiter's admission: a call admitted now takes its
 * concurrency slot and, while headers are followed, its flight (weighed once,
 * listed in flight until it ends). limiter.ts decides whether a call is
 * admitted now; this module sends it.
 */

const NOOP: Release = () => {};

/**
 * Admission options as the client's pipeline passes them: `at` is the clock's time it read just
 * before asking (for the attempt's start), set only for the length of the `admit` call. Admission
 * decides at that time instead of reading the clock again. Not part of {@link AdmitOptions}.
 */
export interface TimedAdmit extends AdmitOptions {
  readonly at?: number | undefined;
}

/**
 * The client's own admission options, where a call admitted at once while headers are followed
 * takes its flight without a release closure (decision 0063): the limiter sets the model's
 * {@link Flights} and the state whose slot the call took, and answers the call's place in the
 * send order; the caller ends it once with `flights.end(seq, slot)`. A queued call still gets a
 * release.
 */
export interface FlightSink extends TimedAdmit {
  flights: Flights | undefined;
  slot: ModelState | undefined;
}

/** A model's admission state and, while headers are followed, its calls in flight (created with its first call). */
export interface Tracked extends ModelState {
  flights: Flights | undefined;
}

/** A call admitted now: its concurrency slot, and its flight while headers are followed (which weighs it; into `sink` when given). */
export function send(o: ResolvedLimits, s: ModelState, weight: () => CallWeight | number, sink?: FlightSink): Release | number {
  if (!o.respectHeaders) return occupy(s);
  // Every state is created by the limiter's #state, as a Tracked. The flight's end gives the slot back too.
  const t = s as Tracked;
  const slot = takeSlot(s) ? s : undefined;
  return fly(t, weight(), slot, sink);
}

/** The call's flight: a release closure, or its place in the send order with the flight's list and slot set in `sink`. */
function fly(s: Tracked, w: CallWeight | number, slot: ModelState | undefined, sink: FlightSink | undefined): Release | number {
  const flights = (s.flights ??= new Flights());
  if (!sink) return flights.start(w, NOOP, slot);
  sink.flights = flights;
  sink.slot = slot;
  return flights.begin(w);
}

/**
 * A call to a model with no bucket yet (no headers so far, no rate configured), with a slot free
 * and no 429 hold: admitted at once, as the general path would, without its loops and closures.
 * While headers are followed the call is weighed once (every admitted call is: its weight is
 * counted in flight, and a later reading or a 429 reads it as of now), counted among the first
 * calls a first reading needs, and listed in flight.
 */
export function admitBare(o: ResolvedLimits, tasks: TaskMemory, s: Tracked, options: AdmitOptions | undefined, now: number, sink: FlightSink | undefined): Release | number {
  if (!o.respectHeaders) {
    tasks.started(options?.taskId, now);
    return occupy(s);
  }
  const w = weightOf(options?.weight);
  countEarly(s, w);
  tasks.started(options?.taskId, now);
  return fly(s, w, takeSlot(s) ? s : undefined, sink);
}
