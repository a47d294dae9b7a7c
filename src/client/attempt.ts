import type { Clock } from '../clock/clock.js';
import type { Deadlines } from '../clock/deadlines.js';
import type { CallbackEntry, Callbacks } from '../clock/signals.js';
import { isStreamResult } from '../stream/detect.js';
import { primeStream } from '../stream/prime.js';
import { type AttemptLimit, type AttemptSink, type CallState, type Settled, type StreamHookSource, endedEarly, settledBy, sinkError, sinkValue } from './attempt-types.js';
import { Context, type AttemptTarget, invokeThen, reportFailure } from './context.js';
import { runGuarded } from './guarded-attempt.js';
import type { AttemptFn } from './types.js';

export type { AttemptLimit, AttemptSink, CallState, StreamHookSource, StreamHooks } from './attempt-types.js';
export type { AttemptTarget } from './context.js';

/**
 * Runs one attempt of the user's function. It always settles: if the function
 * ignores its signal, the attempt still rejects when the timeout fires or the
 * caller aborts (the function's late result is dropped).
 *
 * A stream result is primed before the attempt resolves: the attempt succeeds
 * only once the first content chunk arrives, so an error event or a slow first
 * token before that point is retried like any failure (docs/streaming.md).
 */
export function runAttempt<T>(
  fn: AttemptFn<T>,
  target: AttemptTarget,
  attempt: number,
  call: CallState,
  clock: Clock,
  disposeSignal: AbortSignal,
  onDispose: Callbacks<unknown>,
  /** Where the attempt's timeout and first-chunk limit wait: the client's one timer for all of them. */
  deadlines: Deadlines,
  streamHooks?: StreamHookSource,
  limit?: AttemptLimit,
  firstChunkMs?: number,
  /** The clock's time now, when the caller has just read it. */
  now?: number,
  /** Who takes the outcome: the promise then settles with what it makes of it (see {@link AttemptSink}). */
  sink?: AttemptSink,
): Promise<T> {
  if (call.timeoutMs !== undefined || call.signal || limit || firstChunkMs !== undefined) return runGuarded(fn, target, attempt, call, clock, disposeSignal, deadlines, streamHooks, limit, firstChunkMs, now, sink);
  // The common path: no controller of our own, the attempt gets the shared dispose
  // signal. Its promise is settled by hand (no async function around it) and its
  // reject sits in `onDispose`, so dispose still ends an attempt whose function
  // ignores the signal, for the cost of a list entry.
  if (disposeSignal.aborted) return endedEarly(disposeSignal.reason, sink);
  const startedAt = now ?? clock.now();
  const a = new PlainAttempt<T>(onDispose, clock, target.key, startedAt, disposeSignal, streamHooks, sink);
  const promise = settledBy<T>(a);
  onDispose.push(a);
  // Bound handlers rather than arrow fields: no closure context per attempt (decision 0064).
  invokeThen(fn, (a.ctx = new Context(target, attempt, call, disposeSignal)), a.settled.bind(a), a.failed.bind(a));
  return promise;
}

/**
 * An attempt on the common path: its state and handlers in one object rather
 * than closures sharing a context. It is its own entry on the client's dispose
 * list (`fn`: dispose rejects it).
 */
class PlainAttempt<T> implements Settled<T>, CallbackEntry<unknown> {
  readonly #onDispose: Callbacks<unknown>;
  readonly #clock: Clock;
  readonly #model: string;
  readonly #startedAt: number;
  readonly #disposeSignal: AbortSignal;
  readonly #hooks: StreamHookSource | undefined;
  readonly #sink: AttemptSink | undefined;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  /** Settled (by its function, or by dispose): later outcomes are dropped. */
  #done = false;
  prev: CallbackEntry<unknown> | undefined = undefined;
  next: CallbackEntry<unknown> | undefined = undefined;
  ctx: Context | undefined;

  constructor(
    onDispose: Callbacks<unknown>,
    clock: Clock,
    model: string,
    startedAt: number,
    disposeSignal: AbortSignal,
    hooks: StreamHookSource | undefined,
    sink: AttemptSink | undefined,
  ) {
    this.#onDispose = onDispose;
    this.#clock = clock;
    this.#model = model;
    this.#startedAt = startedAt;
    this.#disposeSignal = disposeSignal;
    this.#hooks = hooks;
    this.#sink = sink;
  }

  settleWith(resolve: (value: T) => void, reject: (error: unknown) => void): void {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** The attempt's value: to the sink when it has one, else the promise's. Once only (see {@link PlainAttempt.reject}). */
  resolve(value: T): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#sink) sinkValue(this.#sink, value, this.#resolve, this.#reject);
    else this.#resolve(value);
  }

  /**
   * The attempt's failure: to the sink when it has one, else the promise's. Once only: after `dispose()` ended the
   * attempt, its function still settles (often rejecting with its own abort error), and the try must not be handed
   * that outcome as well.
   */
  reject(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#sink) sinkError(this.#sink, error, this.#resolve, this.#reject);
    else this.#reject(error);
  }

  /** The client was disposed. */
  fn(reason: unknown): void {
    this.reject(reason);
  }

  /** The function's failure (a throw or a rejection). */
  failed(error: unknown): void {
    this.#onDispose.remove(this);
    reportFailure(this.ctx!, error);
    this.reject(error);
  }

  /** The function's value. */
  settled(value: T): void {
    this.#onDispose.remove(this);
    const streamHooks = this.#hooks;
    if (!streamHooks || !isStreamResult(value)) this.resolve(value);
    else this.#prime(value, streamHooks);
  }

  /** A stream the function returned, primed before the attempt settles (apart from `settled`: its closures would give every success a context). */
  #prime(value: T, streamHooks: StreamHookSource): void {
    const hooks = streamHooks.streamHooks();
    const options = { ...hooks.options, ...hooks, clock: this.#clock, model: this.#model, startedAt: this.#startedAt, signal: this.#disposeSignal };
    primeStream(value, options).then(
      (primed) => this.resolve(primed.value as T),
      (error: unknown) => this.reject(error),
    );
  }
}

