import type { Clock } from '../clock/clock.js';
import type { Deadline, Deadlines } from '../clock/deadlines.js';
import type { Conditions } from '../fallback/conditions.js';
import { type Callbacks, onAbort } from '../clock/signals.js';
import { TimeoutError } from '../errors/errors.js';
import { isStreamResult } from '../stream/detect.js';
import type { StreamOptions } from '../stream/options.js';
import { primeStream } from '../stream/prime.js';
import type { PumpOptions } from '../stream/pump.js';
import type { Usage } from '../usage/extract.js';
import { Context, type AttemptTarget, SignalSource, invokeThen, reportFailure } from './context.js';
import { stoppedBy } from './stop.js';
import type { AttemptFn, RunOptions } from './types.js';

/** Per-call state shared by every attempt of one `run`. */
export interface CallState {
  readonly taskId: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly timeoutMs: number | undefined;
  /** Whether `timeoutMs` is the call's own (it then wins over a model's or deployment's). */
  readonly timeoutGiven?: boolean;
  /** The call's token estimate (budget, admission weight, context fit), computed once; undefined when nothing could be estimated. */
  readonly estimate: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
  /** The run options, read only to estimate the call's tokens for admission when there is no budget estimate. */
  readonly run: RunOptions | undefined;
  readonly usage: ((value: unknown) => Usage | undefined) | undefined;
  readonly stream: StreamOptions | undefined;
  /** Where `ctx.reportHeaders` sends headers (undefined: nobody needs them). */
  readonly onHeaders: ((model: string, headers: unknown, taskId: string | undefined) => void) | undefined;
  /** The models this call may try, in order (the next one is preferred over a backoff sleep). */
  readonly chain?: readonly string[];
  /** The call's deadline on the clock (from `deadlineMs`), when it has one: attempts, backoffs and admission waits end by it. */
  readonly deadlineAt?: number | undefined;
  /** Your conditions for this call (the call's own over the client's), when any. */
  readonly conditions?: Conditions | undefined;
}

export type { AttemptTarget } from './context.js';

/** How long one attempt may run, decided by the pipeline (`call`: the call's deadline, not the model's). */
export interface AttemptLimit {
  readonly ms: number;
  readonly scope: 'attempt' | 'call';
}

export type StreamHooks = Pick<PumpOptions, 'onCommit' | 'onEnd' | 'onError'> & { readonly options: StreamOptions | undefined };

/** Where an attempt gets its stream hooks, asked only when the result is a stream (the model try: no thunk per attempt). */
export interface StreamHookSource {
  streamHooks(): StreamHooks;
}

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
): Promise<T> {
  if (call.timeoutMs !== undefined || call.signal || limit || firstChunkMs !== undefined) return runGuarded(fn, target, attempt, call, clock, disposeSignal, deadlines, streamHooks, limit, firstChunkMs, now);
  // The common path: no controller of our own, the attempt gets the shared dispose
  // signal. Its promise is settled by hand (no async function around it) and its
  // reject sits in `onDispose`, so dispose still ends an attempt whose function
  // ignores the signal, for the cost of a list entry.
  if (disposeSignal.aborted) return Promise.reject(disposeSignal.reason);
  const startedAt = now ?? clock.now();
  return new Promise<T>((resolve, reject) => {
    const entry = onDispose.add(reject);
    const ctx = new Context(target, attempt, call, disposeSignal);
    const model = target.key;
    const fail = (error: unknown) => {
      onDispose.remove(entry);
      reportFailure(ctx, error);
      reject(error);
    };
    const done = (value: T) => {
      onDispose.remove(entry);
      if (!streamHooks || !isStreamResult(value)) return resolve(value);
      const hooks = streamHooks.streamHooks();
      primeStream(value, { ...hooks.options, ...hooks, clock, model, startedAt, signal: disposeSignal }).then((primed) => resolve(primed.value), reject);
    };
    invokeThen(fn, ctx, done, fail);
  });
}

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
function runGuarded<T>(
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
): Promise<T> {
  const stopped = stoppedBy(call.signal, disposeSignal);
  if (stopped) return Promise.reject(stopped.reason);
  const startedAt = now ?? clock.now();
  const g = new GuardedAttempt<T>(target.key, clock, deadlines, startedAt, streamHooks);
  const promise = settledBy<T>(g);
  g.link(disposeSignal, call.signal);
  const timeoutMs = limit ? limit.ms : call.timeoutMs;
  if (timeoutMs !== undefined) g.timer = deadlines.add(startedAt + timeoutMs, g.onTimeout(timeoutMs, limit?.scope), startedAt);
  if (firstChunkMs !== undefined) g.firstTimer = deadlines.add(startedAt + firstChunkMs, g.onFirstChunkLimit(firstChunkMs), startedAt);
  invokeThen(fn, (g.ctx = new Context(target, attempt, call, g)), g.onValue, g.onError);
  return promise;
}

/** What settles an attempt's promise: it takes the promise's resolve and reject. */
interface Settled<T> {
  settleWith(resolve: (value: T) => void, reject: (error: unknown) => void): void;
}

/** The attempt whose promise is being built: set just before `new Promise`, whose executor runs at once. */
let building: Settled<never> | undefined;

/** One executor for every attempt's promise, rather than a closure (and its context) per attempt. */
function handOver(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  const attempt = building!;
  building = undefined;
  attempt.settleWith(resolve, reject);
}

function settledBy<T>(attempt: Settled<T>): Promise<T> {
  building = attempt as Settled<never>;
  return new Promise<T>(handOver);
}

/**
 * One guarded attempt's state, in one object rather than a closure per step:
 * what stopped it, its deadlines, its links to the dispose and caller signals,
 * and its controller once something reads its signal.
 */
class GuardedAttempt<T> extends SignalSource implements Settled<T> {
  readonly model: string;
  readonly #clock: Clock;
  readonly #deadlines: Deadlines;
  readonly #startedAt: number;
  readonly #hooks: StreamHookSource | undefined;
  #resolve!: (value: T) => void;
  #reject!: (error: unknown) => void;
  /** What the function received: a late failure's headers are read from it. */
  ctx: Context | undefined;
  #controller: AbortController | undefined;
  /** Why the attempt was stopped (timeout, caller, dispose, the stream's own abort), once it has been. */
  #stop: { readonly reason: unknown } | undefined;
  /** 0: running or priming; 1: a committed stream was handed over (the links stay until it ends); 2: done. */
  #phase = 0;
  timer: Deadline | undefined;
  firstTimer: Deadline | undefined;
  #linked = false;
  #offDispose: (() => void) | undefined;
  #offCaller: (() => void) | undefined;

  constructor(model: string, clock: Clock, deadlines: Deadlines, startedAt: number, hooks: StreamHookSource | undefined) {
    super();
    this.model = model;
    this.#clock = clock;
    this.#deadlines = deadlines;
    this.#startedAt = startedAt;
    this.#hooks = hooks;
  }

  settleWith(resolve: (value: T) => void, reject: (error: unknown) => void): void {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Links the attempt to the dispose and caller signals (neither aborted yet): either ends it at once. */
  link(disposeSignal: AbortSignal, callerSignal: AbortSignal | undefined): void {
    this.#linked = true;
    this.#offDispose = onAbort(disposeSignal, () => this.abort(disposeSignal.reason));
    if (callerSignal) this.#offCaller = onAbort(callerSignal, () => this.abort(callerSignal.reason));
  }

  readonly onValue = (value: T): void => this.done(value);

  readonly onError = (error: unknown): void => {
    reportFailure(this.ctx!, error); // a late failure's headers still count
    this.fail(error);
  };

  onTimeout(timeoutMs: number, scope: AttemptLimit['scope'] | undefined): () => void {
    return () => this.timedOut(timeoutMs, scope);
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
    if (this.timer !== undefined) this.#deadlines.remove(this.timer);
    if (this.firstTimer !== undefined) this.#deadlines.remove(this.firstTimer);
    this.timer = this.firstTimer = undefined;
  }

  unlink(): void {
    if (!this.#linked) return;
    this.#linked = false;
    this.#offDispose!();
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
