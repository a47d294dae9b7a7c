import type { Clock } from '../clock/clock.js';
import type { Conditions } from '../fallback/conditions.js';
import { type Callbacks, onAnyAbort } from '../clock/signals.js';
import { TimeoutError } from '../errors/errors.js';
import { isStreamResult } from '../stream/detect.js';
import type { StreamOptions } from '../stream/options.js';
import { primeStream } from '../stream/prime.js';
import type { PumpOptions } from '../stream/pump.js';
import type { Usage } from '../usage/extract.js';
import { throwIfStopped } from './stop.js';
import type { AttemptContext, AttemptFn, RunOptions } from './types.js';

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

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

/**
 * Where one attempt goes: `key` names its state (a model, or a deployment's
 * id), `model` is what the function sends, `client` the deployment's SDK.
 */
export interface AttemptTarget {
  readonly key: string;
  readonly model: string;
  readonly deployment?: string | undefined;
  readonly client?: object | undefined;
}

/** How long one attempt may run, decided by the pipeline (`call`: the call's deadline, not the model's). */
export interface AttemptLimit {
  readonly ms: number;
  readonly scope: 'attempt' | 'call';
}

export type StreamHooks = Pick<PumpOptions, 'onCommit' | 'onEnd' | 'onError'> & { readonly options: StreamOptions | undefined };

const isThenable = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * What the user's function receives. Every member works when destructured
 * (`({ model, reportHeaders }) => …`): the functions are bound to this attempt,
 * built on first read so an attempt that never reads them allocates nothing.
 */
class Context implements AttemptContext {
  readonly model: string;
  readonly attempt: number;
  readonly taskId: string | undefined;
  readonly deployment: string | undefined;
  readonly client: object | undefined;
  readonly #key: string;
  readonly request: unknown;
  #signal: AbortSignal | (() => AbortSignal);
  readonly #onHeaders: CallState['onHeaders'];
  #report: ((headers: unknown) => void) | undefined;
  #track: (<P>(sdkCall: P) => P) | undefined;
  /** The headers handed over last, so the same ones (a wrapper reports an error's before rethrowing it) count once. */
  #last: unknown;

  constructor(target: AttemptTarget, attempt: number, call: CallState, signal: AbortSignal | (() => AbortSignal)) {
    this.model = target.model;
    this.#key = target.key;
    this.deployment = target.deployment;
    this.client = target.client;
    this.attempt = attempt;
    this.taskId = call.taskId;
    this.request = call.run?.request;
    this.#signal = signal;
    this.#onHeaders = call.onHeaders;
  }

  get reportHeaders(): (headers: unknown) => void {
    return (this.#report ??= (headers) => {
      if (headers === null || typeof headers !== 'object' || headers === this.#last) return;
      this.#last = headers;
      try {
        this.#onHeaders?.(this.#key, headers, this.taskId);
      } catch {
        // observing headers must never fail the call
      }
    });
  }

  get track(): <P>(sdkCall: P) => P {
    return (this.#track ??= (sdkCall) => {
      observeResponse(sdkCall, this.reportHeaders);
      return sdkCall;
    });
  }

  // Built on first read: most calls that never look at the signal allocate nothing for it.
  get signal(): AbortSignal {
    if (typeof this.#signal === 'function') this.#signal = this.#signal();
    return this.#signal;
  }
}

/**
 * When `value` is an SDK's own `APIPromise` (openai, @anthropic-ai/sdk: it has
 * `asResponse()` and `withResponse()`), hands its response headers to `report`
 * as soon as they arrive and returns the promise that settles after that; a
 * stream object with `withResponse()` (Anthropic's `messages.stream()`) is
 * reported in the background, before its first event. The value itself is never touched: `asResponse()` gives
 * the SDK's raw `Response` without reading its body, and the SDK parses the
 * body for the caller exactly as before. Undefined when there is nothing to read.
 */
function observeResponse(value: unknown, report: (headers: unknown) => void): Promise<void> | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  const sdk = value as { asResponse?: unknown; withResponse?: unknown; then?: unknown };
  if (typeof sdk.withResponse !== 'function') return undefined;
  try {
    if (typeof sdk.then === 'function' && typeof sdk.asResponse === 'function') {
      const response = (sdk.asResponse as () => unknown).call(value);
      if (!isThenable(response)) return undefined;
      return Promise.resolve(response).then(
        (r) => report((r as { headers?: unknown } | null)?.headers),
        () => {}, // the request failed: its error (and the error's headers) reach the attempt through the value
      );
    }
    const pending = (sdk.withResponse as () => unknown).call(value);
    if (isThenable(pending)) Promise.resolve(pending).then((r) => report((r as { response?: { headers?: unknown } } | null)?.response?.headers), () => {});
  } catch {
    // not the SDK's shape after all
  }
  return undefined;
}

/** The headers a thrown provider error carries: `headers` (openai, anthropic) or `responseHeaders` (Vercel AI SDK). */
function errorHeaders(error: unknown): unknown {
  if (error === null || typeof error !== 'object') return undefined;
  try {
    return (error as { headers?: unknown }).headers ?? (error as { responseHeaders?: unknown }).responseHeaders;
  } catch {
    return undefined;
  }
}

/**
 * Calls `fn`; when it returns an SDK `APIPromise`, the result settles only once
 * the response's headers are handed to the client (they arrive before the body,
 * so this adds no wait).
 */
function invoke<T>(fn: AttemptFn<T>, ctx: Context): T | PromiseLike<T> {
  const pending = fn(ctx);
  const headers = observeResponse(pending, ctx.reportHeaders);
  return headers && isThenable(pending) ? Promise.all([pending, headers]).then(([value]) => value) : pending;
}

/** A failed attempt's headers (a 429's rate-limit headers) go to the client before the failure is handled. */
const reportFailure = (ctx: Context, error: unknown): void => ctx.reportHeaders(errorHeaders(error));

/** Rejects as soon as `signal` aborts; `detach` removes the listener. */
function abortRace(signal: AbortSignal): { promise: Promise<never>; detach: () => void } {
  let onAbort!: () => void;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, detach: () => signal.removeEventListener('abort', onAbort) };
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
  streamHooks?: () => StreamHooks,
  limit?: AttemptLimit,
  firstChunkMs?: number,
): Promise<T> {
  if (call.timeoutMs !== undefined || call.signal || limit || firstChunkMs !== undefined) return runGuarded(fn, target, attempt, call, clock, disposeSignal, streamHooks, limit, firstChunkMs);
  // The common path: no controller of our own, the attempt gets the shared dispose
  // signal. Its promise is settled by hand (no async function around it) and its
  // reject sits in `onDispose`, so dispose still ends an attempt whose function
  // ignores the signal, for the cost of a list entry.
  if (disposeSignal.aborted) return Promise.reject(disposeSignal.reason);
  const startedAt = clock.now();
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
      const hooks = streamHooks();
      primeStream(value, { ...hooks.options, ...hooks, clock, model, startedAt, signal: disposeSignal }).then((primed) => resolve(primed.value), reject);
    };
    let pending: T | PromiseLike<T>;
    try {
      pending = invoke(fn, ctx);
    } catch (error) {
      return fail(error);
    }
    if (isThenable(pending)) pending.then(done, fail);
    else done(pending);
  });
}

/**
 * An attempt with a timeout, a caller signal or a first-chunk limit: its own controller, raced.
 * `firstChunkMs` (a call known to stream) counts from the attempt's start: a provider that
 * never sends headers is cut like one that sends no content; priming keeps the same deadline.
 */
async function runGuarded<T>(
  fn: AttemptFn<T>,
  target: AttemptTarget,
  attempt: number,
  call: CallState,
  clock: Clock,
  disposeSignal: AbortSignal,
  streamHooks: (() => StreamHooks) | undefined,
  limit: AttemptLimit | undefined,
  firstChunkMs?: number,
): Promise<T> {
  const model = target.key;
  const timeoutMs = limit ? limit.ms : call.timeoutMs;
  const callerSignal = call.signal;
  throwIfStopped(callerSignal, disposeSignal);
  const startedAt = clock.now();

  // A controller of our own, linked to the caller's signal and to dispose; the
  // timeout aborts it with a TimeoutError.
  const controller = new AbortController();
  const unlink = onAnyAbort([callerSignal, disposeSignal], (reason) => controller.abort(reason));
  const timer =
    timeoutMs === undefined
      ? undefined
      : clock.setTimeout(() => controller.abort(limit?.scope === 'call' ? new TimeoutError(model, timeoutMs, 'Call deadline', 'call') : new TimeoutError(model, timeoutMs)), timeoutMs, KEEP_ALIVE);
  let firstTimer =
    firstChunkMs === undefined ? undefined : clock.setTimeout(() => controller.abort(new TimeoutError(model, firstChunkMs, 'First chunk')), firstChunkMs, KEEP_ALIVE);
  const race = abortRace(controller.signal);
  let handedOff = false;
  try {
    const ctx = new Context(target, attempt, call, controller.signal);
    const running = Promise.resolve()
      .then(() => invoke(fn, ctx))
      .then(undefined, (error: unknown) => {
        reportFailure(ctx, error);
        throw error;
      });
    const value = await Promise.race([running, race.promise]);
    if (firstTimer !== undefined) clock.clearTimeout(firstTimer);
    firstTimer = undefined;
    if (!streamHooks || !isStreamResult(value)) return value;
    const hooks = streamHooks();
    const priming = primeStream(value, {
      ...hooks.options,
      ...hooks,
      clock,
      model,
      startedAt,
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      // The caller's abort must keep reaching the request until the stream ends.
      onEnd: (summary) => {
        unlink();
        hooks.onEnd?.(summary);
      },
    });
    priming.catch(() => {}); // settles through the signal too if the race wins
    const primed = await Promise.race([priming, race.promise]);
    handedOff = true;
    return primed.value;
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    if (firstTimer !== undefined) clock.clearTimeout(firstTimer);
    race.detach();
    if (!handedOff) unlink();
  }
}
