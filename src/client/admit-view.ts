import type { AdmitOptions, CallWeight } from '../limits/limiter.js';
import type { CallState } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { callEstimate } from './support.js';

/** What admission's view reads of the model try it belongs to (set before the view is first read). */
export interface AdmittedTry {
  readonly deps: PipelineDeps;
  /** The model or deployment admitted. */
  readonly key: string;
  readonly call: CallState;
  /** Models after this one in the chain being run: where a call spills when this one has no capacity. */
  readonly later: readonly string[] | undefined;
}

/**
 * What admission needs from a call, one per model try: the token estimate
 * (computed on first need: from the call's `request` or `estimate` when it has
 * one, else the model's learned usage, else the default output cap, then kept
 * for the try), the later models to spill to, the deadline; plus the clock's
 * time while an `admit` of it runs (the attempt read it just before;
 * undefined otherwise).
 *
 * Three fields and the weight's closure (over the view alone) per try: the
 * rest is read from the try when admission asks (undefined when the call has
 * none, which every reader of admission's options treats as absent).
 */
export class TryAdmit implements AdmitOptions {
  at: number | undefined = undefined;
  /** The call's weight, worked out at its first read and the same for the rest of the try. */
  readonly weight = (): CallWeight => (this.#weight ??= this.#weigh());
  #weight: CallWeight | undefined = undefined;
  readonly #t: AdmittedTry;

  constructor(t: AdmittedTry) {
    this.#t = t;
  }

  get signal(): AbortSignal | undefined {
    return this.#t.call.signal;
  }

  get taskId(): string | undefined {
    return this.#t.call.taskId;
  }

  get spillTo(): readonly string[] | undefined {
    return this.#t.later;
  }

  /** A stated deadline wins; without one, a call its caller can abort waits by the callers' learned patience (decision 0049). */
  get deadline(): number | undefined {
    const call = this.#t.call;
    return call.deadlineAt ?? call.admitBy;
  }

  /** Admission sends a call only when it can still finish in time: by the model's recent p95 latency (decision 0037). Read only for a call with a deadline. */
  get expectedMs(): (() => number | undefined) | undefined {
    const { deps, key, call } = this.#t;
    const monitor = deps.monitor;
    if ((call.deadlineAt ?? call.admitBy) === undefined || !monitor) return undefined;
    return () => monitor.latencyBaseline(key, deps.clock.now())?.p95;
  }

  #weigh(): CallWeight {
    const { deps, key, call } = this.#t;
    const given = call.run?.request !== undefined || call.run?.estimate !== undefined;
    return (given ? call.estimate : deps.weights?.weight(key, this.at ?? deps.clock.now())) ?? call.estimate ?? callEstimate(undefined, call.run);
  }
}
