import type { Clock } from '../clock/clock.js';
import type { Deadline, Deadlines } from '../clock/deadlines.js';
import { type CallbackEntry, type Callbacks, keptCallbacks, onAbort } from '../clock/signals.js';
import { TimeoutError } from '../errors/errors.js';
import { isStreamResult } from '../stream/detect.js';
import { primeStream } from '../stream/prime.js';
import { type AttemptLimit, type AttemptSink, type CallState, type Settled, type StreamHookSource, endedEarly, settledBy, sinkError, sinkValue } from './attempt-types.js';
import { Context, type AttemptTarget, SignalSource, invokeThen, reportFailure } from './context.js';
import { stoppedBy } from './stop.js';
import type { AttemptFn } from './types.js';

/**
 * An attempt with a timeout, a caller signal or a first-chunk limit, settled by
 * hand: the timeout, the caller's abort and dispose each end it at once, whether
 * or not the function listens. `firstChunkMs` (a call known to stream) counts
 * from the attempt's start: a provider that never sends headers is cut like one
 * that sends no content; priming keeps the same deadline.
 *
 * The attempt's own AbortController is built only when something reads its
 * signal (the function, through `ctx.signal`, or a stream being primed), born
 * aborted if the attempt already ended: an attempt whose function never looks
 * at the signal pays for no controller and no listener on it.
 */
export function runGuarded<T>(
  fn: AttemptFn<T>,
  target: AttemptTarget,
  attempt: number,
  call: CallState,
  clock: Clock,
  disposeSignal: AbortSignal,
  deadlines: Deadlines,
  streamHooks: StreamHookSource | undefined,
  limit: AttemptLimit | undefined,
  firstChunkMs?: number,
  now?: number,
  sink?: AttemptSink,
): Promise<T> {
  const stopped = stoppedBy(call.signal, disposeSignal);
  if (stopped) return endedEarly(stopped.reason, sink);
  const startedAt = now ?? clock.now();
  const g = new GuardedAttempt<T>(target.key, clock, deadlines, startedAt, streamHooks, sink);
  const promise = settledBy<T>(g);
  g.link(disposeSignal, call.signal);
  const timeout = limit ?? call.timeoutMs;
  if (timeout !== undefined) g.waitFor(timeout, startedAt);
  if (firstChunkMs !== undefined) g.firstTimer = deadlines.add(startedAt + firstChunkMs, g.onFirstChunkLimit(firstChunkMs), startedAt);
  invokeThen(fn, (g.ctx = new Context(target, attempt, call, g)), g.done.bind(g), g.failed.bind(g));
  return promise;
}

/** Aborts `attempt` when `signal` does; returns the unsubscribe. (A function of its own: `link` builds no closure context when it needs none.) */
const abortOn = (attempt: { abort(reason: unknown): void }, signal: AbortSignal): (() => void) => onAbort(signal, () => attempt.abort(signal.reason));

/**
 * One guarded attempt's state, in one object rather than a closure per step:
 * what stopped it, its deadlines, its links to the dispose and caller signals,
 * and its controller once something reads its signal. It is its own timeout
 * deadline (`fire`) and its own entry on the dispose signal's callbacks (`fn`):
 * neither builds an object or a closure per attempt.
 */
class GuardedAttempt<T> extends SignalSource implements Settled<T>, Deadline, CallbackEntry<void> {
  readonly model: string;
  readonly #clock: Clock;
  readonly #deadlines: Deadlines;
  readonly #startedAt: number;
  readonly #hooks: StreamHookSource | undefined;
  readonly #sink: AttemptSink | undefined;
  #settleValue!: (value: T) => void;
  #settleError!: (error: unknown) => void;
  /** What the function received: a late failure's headers are read from it. */
  ctx: Context | undefined;
  #controller: AbortController | undefined;
  /** Why the attempt was stopped (timeout, caller, dispose, the stream's own abort), once it has been. */
  #stop: { readonly reason: unknown } | undefined;
  /** 0: running or priming; 1: a committed stream was handed over (the links stay until it ends); 2: done. */
  #phase = 0;
  // The attempt as its timeout's deadline: `at`, `live` (true while it waits) and its neighbours are the sweep's.
  at = 0;
  live = false;
  earlier: Deadline | undefined = undefined;
  later: Deadline | undefined = undefined;
  /** What ends it on time: the guard's limit (its ms and scope), or the call's own timeout in ms. */
  #timeout: AttemptLimit | number = 0;
  firstTimer: Deadline | undefined;
  /**
   * Its link to the dispose signal while it has one: that signal's callbacks when the attempt is an entry on them
   * (its neighbours there are `prev` and `next`), else the unsubscribe of its own listener.
   */
  #offDispose: Callbacks | (() => void) | undefined;
  #disposeSignal: AbortSignal | undefined;
  prev: CallbackEntry<void> | undefined = undefined;
  next: CallbackEntry<void> | undefined = undefined;
  #offCaller: (() => void) | undefined;

  constructor(model: string, clock: Clock, deadlines: Deadlines, startedAt: number, hooks: StreamHookSource | undefined, sink: AttemptSink | undefined) {
    super();
    this.model = model;
    this.#clock = clock;
    this.#deadlines = deadlines;
    this.#startedAt = startedAt;
    this.#hooks = hooks;
    this.#sink = sink;
  }

  settleWith(resolve: (value: T) => void, reject: (error: unknown) => void): void {
    this.#settleValue = resolve;
    this.#settleError = reject;
  }

  /** The attempt's value: to the sink when it has one, else the promise's. */
  #resolve(value: T): void {
    if (this.#sink) sinkValue(this.#sink, value, this.#settleValue, this.#settleError);
    else this.#settleValue(value);
  }

  /** The attempt's failure: to the sink when it has one, else the promise's. */
  #reject(error: unknown): void {
    if (this.#sink) sinkError(this.#sink, error, this.#settleValue, this.#settleError);
    else this.#settleError(error);
  }

  /** Links the attempt to the dispose and caller signals (neither aborted yet): either ends it at once. */
  link(disposeSignal: AbortSignal, callerSignal: AbortSignal | undefined): void {
    const list = keptCallbacks(disposeSignal);
    if (list) {
      this.#disposeSignal = disposeSignal;
      this.#offDispose = list;
      list.push(this);
    } else this.#offDispose = abortOn(this, disposeSignal);
    if (callerSignal) this.#offCaller = abortOn(this, callerSignal);
  }

  /** The dispose signal aborted (the attempt as an entry on its callbacks). */
  fn(): void {
    this.abort(this.#disposeSignal!.reason);
  }

  /** Ends the attempt `timeout` (a limit, or ms) after its start unless it ended first. */
  waitFor(timeout: AttemptLimit | number, startedAt: number): void {
    this.at = startedAt + (typeof timeout === 'number' ? timeout : timeout.ms);
    this.#timeout = timeout;
    this.#deadlines.insert(this, startedAt);
  }

  /** The timeout fell due (the attempt as a deadline). */
  fire(): void {
    const timeout = this.#timeout;
    if (typeof timeout === 'number') this.timedOut(timeout, undefined);
    else this.timedOut(timeout.ms, timeout.scope);
  }

  /** The function's failure (a throw or a rejection). */
  failed(error: unknown): void {
    reportFailure(this.ctx!, error); // a late failure's headers still count
    this.fail(error);
  }

  onFirstChunkLimit(firstChunkMs: number): () => void {
    return () => this.abort(new TimeoutError(this.model, firstChunkMs, 'First chunk'));
  }

  /** The attempt's own signal, built on first read (born aborted if the attempt already ended). */
  signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#stop) this.#controller.abort(this.#stop.reason);
    }
    return this.#controller.signal;
  }

  timedOut(timeoutMs: number, scope: AttemptLimit['scope'] | undefined): void {
    this.abort(scope === 'call' ? new TimeoutError(this.model, timeoutMs, 'Call deadline', 'call') : new TimeoutError(this.model, timeoutMs));
  }

  #clearTimers(): void {
    if (this.live) this.#deadlines.remove(this);
    if (this.firstTimer !== undefined) this.#deadlines.remove(this.firstTimer);
    this.firstTimer = undefined;
  }

  unlink(): void {
    const off = this.#offDispose;
    if (off === undefined) return;
    this.#offDispose = undefined;
    if (typeof off === 'function') off();
    else off.remove(this);
    this.#offCaller?.();
  }

  #end(): boolean {
    if (this.#phase !== 0) return false;
    this.#phase = 2;
    this.#clearTimers();
    this.unlink();
    return true;
  }

  abort(reason: unknown): void {
    if (this.#stop) return;
    this.#stop = { reason };
    this.#controller?.abort(reason);
    if (this.#end()) this.#reject(reason);
  }

  fail(error: unknown): void {
    if (this.#end()) this.#reject(error);
  }

  done(value: T): void {
    const streamHooks = this.#hooks;
    if (this.#phase !== 0) return; // the late result of an attempt that already ended is dropped
    if (this.firstTimer !== undefined) this.#deadlines.remove(this.firstTimer);
    this.firstTimer = undefined;
    if (!streamHooks || !isStreamResult(value)) {
      if (this.#end()) this.#resolve(value);
      return;
    }
    const hooks = streamHooks.streamHooks();
    primeStream(value, {
      ...hooks.options,
      ...hooks,
      clock: this.#clock,
      model: this.model,
      startedAt: this.#startedAt,
      signal: this.signal(),
      abort: (reason: unknown) => this.abort(reason),
      // The caller's abort must keep reaching the request until the stream ends.
      onEnd: (summary) => {
        this.unlink();
        hooks.onEnd?.(summary);
      },
    }).then(
      (primed) => {
        if (this.#phase !== 0) return;
        this.#phase = 1;
        this.#clearTimers();
        this.#resolve(primed.value as T);
      },
      (error: unknown) => {
        if (this.#end()) this.#reject(error);
      },
    );
  }
}

