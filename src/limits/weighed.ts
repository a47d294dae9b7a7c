import { NoCapacityError } from '../errors/errors.js';
import { slotFree, takeShare } from './account.js';
import { waitFor } from './bucket.js';
import { type FlightSink, type Tracked, send } from './flight.js';
import type { ResolvedLimits } from './options.js';
import type { Queue } from './queue.js';
import type { Release } from './slots.js';
import type { TaskMemory } from './tasks.js';
import type { AdmitOptions, CallWeight, LimitWaitReason } from './types.js';
import { DIMS, type ModelState, unitsOf, weightOf } from './learn.js';

/*
 * The weighed admission of the limiter: a call to a model with a bucket, a 429
 * hold or a full slot waits for its share to refill, spills to a later model
 * that can serve sooner, or queues. limiter.ts sends a call to a model with
 * none of these straight to its flight.
 */

/** What weighed admission reads of its limiter. */
export interface Weighing {
  readonly o: ResolvedLimits;
  readonly tasks: TaskMemory;
  readonly queue: Queue;
  /** The model's state if it has one (none is created). */
  state(model: string): Tracked | undefined;
}

/** The dimension that decided the last {@link waitMs} (for the event; read right after it, in the same turn). */
let decidedBy: LimitWaitReason = 'requests';

/** Ms until `s` has room for `w` in every bucket; sets {@link decidedBy}. */
export function waitMs(o: ResolvedLimits, s: ModelState, weight: AdmitOptions['weight'], now: number): number {
  let wait = 0;
  let w: CallWeight | number | undefined;
  for (const dim of DIMS) {
    const b = s.buckets[dim];
    if (!b) continue;
    if (dim !== 'requests') w ??= weightOf(weight);
    const ms = waitFor(b, dim === 'requests' ? 1 + o.minRemainingRequests : unitsOf(dim, w!), now);
    if (ms > wait) {
      wait = ms;
      decidedBy = dim;
    }
  }
  return wait;
}

/**
 * How soon `s` could serve, for choosing where to spill: a model held after a
 * 429 never (it is avoided while another has room), else its bucket wait.
 */
function spillWait(o: ResolvedLimits, s: ModelState, weight: AdmitOptions['weight'], now: number): number {
  if (s.heldUntil > now || !slotFree(s)) return Infinity;
  return waitMs(o, s, weight, now);
}

/**
 * Admission once the model has a bucket, a 429 hold or a full slot. A function of its own: the
 * weight's closure here captures the options, and a function whose variables are captured builds
 * their context on entry, the at-once path through {@link admitBare} included.
 */
export function admitWeighed(l: Weighing, model: string, s: Tracked, options: AdmitOptions | undefined, now: number, sink: FlightSink | undefined): Release | Promise<Release> | number {
  // One weight per call, computed at most once.
  let weight: CallWeight | number | undefined;
  const lazy = () => (weight ??= weightOf(options?.weight));
  const wait = waitMs(l.o, s, lazy, now);
  const reason: LimitWaitReason = wait > 0 ? decidedBy : 'concurrency';
  const slot = slotFree(s);
  const held = s.heldUntil > now;
  const taskId = options?.taskId;
  // Spill: a later model that can serve sooner takes the call now (a call this model can take now looks only while it is held).
  const later = options?.spillTo;
  if (later && (held || wait > 0 || !slot)) {
    const mine = held ? Infinity : Math.max(wait, 1);
    for (const m of later) {
      const o = l.state(m);
      if (!o || spillWait(l.o, o, lazy, now) < mine) return Promise.reject(new NoCapacityError(model, held ? s.heldUntil - now : wait, 'spill'));
    }
  }
  // A 429's hold only steers calls elsewhere. With nowhere better to go the call is
  // sent, and the provider's answer (its Retry-After, the retry policy) decides.
  if (wait === 0 && slot) {
    takeShare(s, lazy, now);
    l.tasks.started(taskId, now);
    return send(l.o, s, lazy, sink);
  }
  return l.queue.enqueue(s, { model, weight: lazy, wait, slot, reason, options }, now);
}
