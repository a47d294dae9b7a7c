import type { ModelBreaker } from '../breaker/breaker.js';
import { sleepUnlessAborted } from '../clock/signals.js';
import { isNoCapacityError, isQueueFullError } from '../errors/errors.js';
import { type CallWeight, type FlightSink, type Release, admitFlight } from '../limits/limiter.js';
import type { Flights } from '../limits/flights.js';
import type { ModelState } from '../limits/learn.js';
import { PATIENCE_EXPLORE_MS } from './patience.js';
import type { CallState } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { stoppedBy } from './stop.js';
import { callEstimate } from './support.js';

/*
 * Whether and when a model try's attempt may start (the caller's abort and
 * dispose, a breaker still loading, the limiter's admission), and admission's
 * view of the call. model-try.ts runs the attempt once admitted.
 */

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
export class TryAdmit implements FlightSink {
  at: number | undefined = undefined;
  /** The flight of the attempt admitted at once by the client's own limiter, and the state whose slot it took (its number is the try's). */
  flights: Flights | undefined = undefined;
  slot: ModelState | undefined = undefined;
  /**
   * The call's weight, worked out at its first read and the same for the rest of the try. A bound
   * function rather than an arrow field: no closure context per try (decision 0064).
   */
  readonly weight: () => CallWeight;
  #weight: CallWeight | undefined = undefined;
  readonly #t: AdmittedTry;

  constructor(t: AdmittedTry) {
    this.#t = t;
    this.weight = this.#weighed.bind(this);
  }

  #weighed(): CallWeight {
    return (this.#weight ??= this.#weigh());
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

  /**
   * Admission refused this try by the default `maxWaitMs`, `maxQueue` or the new-task rule, on the
   * chain's last model, for a call its caller can abort that states no deadline, while no patience
   * is learned. A few such calls at once are held instead until their caller aborts them (the call
   * then rejects with the caller's reason, and the abort teaches the patience) or for at most
   * {@link PATIENCE_EXPLORE_MS}, then refused as they would have been (decision 0060): resolves then.
   * Never sent. Undefined when this one is not held: the refusal stands.
   */
  held(error: unknown): Promise<void> | undefined {
    const { deps, call, later } = this.#t;
    const patience = deps.patience;
    if (!patience || call.signal === undefined || (call.deadlineAt ?? call.admitBy) !== undefined || (later !== undefined && later.length > 0)) return undefined;
    if (!isQueueFullError(error) && !(isNoCapacityError(error) && (error.reason === 'wait_limit' || error.reason === 'over_capacity'))) return undefined;
    if (!patience.explore(deps.clock.now())) return undefined;
    const done = () => patience.explored();
    const held = sleepUnlessAborted(deps.clock, PATIENCE_EXPLORE_MS, [call.signal, deps.disposeSignal]);
    held.then(done, done);
    return held;
  }

  #weigh(): CallWeight {
    const { deps, key, call } = this.#t;
    const given = call.run?.request !== undefined || call.run?.estimate !== undefined;
    return (given ? call.estimate : deps.weights?.weight(key, this.at ?? deps.clock.now())) ?? call.estimate ?? callEstimate(undefined, call.run);
  }
}

/** Ends an admitted attempt's admission once: its release, or its flight (a number, decision 0063). */
export function endAdmission(admit: TryAdmit | undefined, release: Release | number | undefined): void {
  if (typeof release === 'number') admit!.flights!.end(release, admit!.slot);
  else release?.();
}

/** What {@link admitAttempt} reads of a model try, and where it hands the attempt on. */
export interface AdmittingTry extends AdmittedTry {
  readonly admit: TryAdmit | undefined;
  readonly breaker: ModelBreaker | undefined;
  /** The attempt, admitted (`release` frees its slot, a number is its flight in {@link TryAdmit.flights}; `at`: the clock's time of its admission when just read). */
  admitted(n: number, release: Release | number | undefined, at: number | undefined): Promise<unknown>;
  /** An attempt that ended before it started. */
  early(n: number, error: unknown): Promise<unknown>;
}

/**
 * Attempt `n` of try `t`, admitted before it (and its timeout) starts: queueing is not the provider's latency. The
 * first resolves with the try's outcome; a later one resolves with `fn`'s value or rejects with the attempt's error,
 * for the retry loop. `now`: the clock's time when the caller has just read it.
 */
export function admitAttempt(t: AdmittingTry, n: number, now?: number): Promise<unknown> {
  const { deps, admit } = t;
  const stopped = stoppedBy(t.call.signal, deps.disposeSignal);
  if (stopped) return t.early(n, stopped.reason);
  // A failure came before the breaker's engine had loaded: the attempt starts once it is judged, so it reaches the provider or is refused.
  const deferred = t.breaker?.deferred;
  if (deferred) return admitAfter(deferred, t, n);
  if (!admit) return t.admitted(n, undefined, now);
  // The clock's time, read once for admission's weight and, when it answers at once, the attempt's start.
  const at = (admit.at = now ?? deps.clock.now());
  let answer: Release | Promise<Release> | number;
  try {
    answer = admitFlight(deps.limiter, t.key, admit);
  } catch (error) {
    return t.early(n, error);
  } finally {
    admit.at = undefined;
  }
  if (typeof answer !== 'object') return t.admitted(n, answer, at);
  return admittedLater(answer, t, admit, n);
}

// The waits of admitAttempt, apart from it: their closures would give every attempt a context to allocate.

/** The attempt once the breaker's engine has judged the failure that came before it loaded. */
const admitAfter = (deferred: Promise<unknown>, t: AdmittingTry, n: number): Promise<unknown> =>
  deferred.then(undefined, () => undefined).then(() => admitAttempt(t, n));

/** The attempt once admission answered later: admitted, or refused. */
function admittedLater(answer: Promise<Release>, t: AdmittingTry, admit: TryAdmit, n: number): Promise<unknown> {
  return answer.then(
    (release) => t.admitted(n, release, undefined),
    // Refused: a few calls are held until their callers abort, to learn their patience, then refused (decision 0060).
    (error: unknown) => admit.held(error)?.then(() => t.early(n, error), (e: unknown) => t.early(n, e)) ?? t.early(n, error),
  );
}
