import type { AttemptContext, AttemptFn, RunOptions } from './types.js';

/*
 * What the user's function receives, and how its SDK's response headers are
 * read on the way (both paths of an attempt share them).
 */

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

/** Where a context's signal comes from when it is built on first read (an attempt's own controller). */
export abstract class SignalSource {
  abstract signal(): AbortSignal;
}

/** What a context reads of the call (a part of the pipeline's per-call state). */
interface ContextCall {
  readonly taskId: string | undefined;
  readonly run: RunOptions | undefined;
  /** Where `ctx.reportHeaders` sends headers (undefined: nobody needs them). */
  readonly onHeaders: ((model: string, headers: unknown, taskId: string | undefined) => void) | undefined;
}

export const isThenable = <T>(v: T | PromiseLike<T>): v is PromiseLike<T> => typeof (v as { then?: unknown } | null)?.then === 'function';

/**
 * What the user's function receives. Every member works when destructured
 * (`({ model, reportHeaders }) => …`): the functions are bound to this attempt,
 * built on first read so an attempt that never reads them allocates nothing.
 */
export class Context implements AttemptContext {
  readonly model: string;
  readonly attempt: number;
  readonly taskId: string | undefined;
  readonly deployment: string | undefined;
  readonly client: object | undefined;
  readonly #key: string;
  readonly request: unknown;
  #signal: AbortSignal | SignalSource;
  readonly #onHeaders: ContextCall['onHeaders'];
  #report: ((headers: unknown) => void) | undefined;
  #track: (<P>(sdkCall: P) => P) | undefined;
  /** The headers handed over last, so the same ones (a wrapper reports an error's before rethrowing it) count once. */
  #last: unknown;

  constructor(target: AttemptTarget, attempt: number, call: ContextCall, signal: AbortSignal | SignalSource) {
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
      observeResponse(sdkCall, this);
      return sdkCall;
    });
  }

  // Built on first read: most calls that never look at the signal allocate nothing for it.
  get signal(): AbortSignal {
    const s = this.#signal;
    if (!(s instanceof SignalSource)) return s;
    return (this.#signal = s.signal());
  }
}

/**
 * When `value` is an SDK's own `APIPromise` (openai, @anthropic-ai/sdk: it has
 * `asResponse()` and `withResponse()`), hands its response headers to `ctx.reportHeaders`
 * as soon as they arrive and returns the promise that settles after that; a
 * stream object with `withResponse()` (Anthropic's `messages.stream()`) is
 * reported in the background, before its first event. The value itself is never touched: `asResponse()` gives
 * the SDK's raw `Response` without reading its body, and the SDK parses the
 * body for the caller exactly as before. Undefined when there is nothing to read.
 */
function observeResponse(value: unknown, ctx: Context): Promise<void> | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  const sdk = value as { asResponse?: unknown; withResponse?: unknown; then?: unknown };
  if (typeof sdk.withResponse !== 'function') return undefined;
  return observeSdk(value, sdk, ctx);
}

/** {@link observeResponse} of an SDK's promise (apart from it: its closures would give every attempt a context). */
function observeSdk(value: unknown, sdk: { asResponse?: unknown; withResponse?: unknown; then?: unknown }, ctx: Context): Promise<void> | undefined {
  // Read only here: the bound function is built for an SDK's promise, not for every value.
  const report = ctx.reportHeaders;
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
export function invoke<T>(fn: AttemptFn<T>, ctx: Context): T | PromiseLike<T> {
  const pending = fn(ctx);
  const headers = observeResponse(pending, ctx);
  return headers && isThenable(pending) ? Promise.all([pending, headers]).then(([value]) => value) : pending;
}

/** Runs `fn` through {@link invoke} and hands its value (awaited when it is a promise) to `done`; a throw or a rejection to `fail`. */
export function invokeThen<T>(fn: AttemptFn<T>, ctx: Context, done: (value: T) => void, fail: (error: unknown) => void): void {
  let pending: T | PromiseLike<T>;
  try {
    pending = invoke(fn, ctx);
  } catch (error) {
    fail(error);
    return;
  }
  if (isThenable(pending)) pending.then(done, fail);
  else done(pending);
}

/** A failed attempt's headers (a 429's rate-limit headers) go to the client before the failure is handled. */
export const reportFailure = (ctx: Context, error: unknown): void => ctx.reportHeaders(errorHeaders(error));
