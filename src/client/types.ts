import type { Conditions } from '../fallback/conditions.js';
import type { StreamOptions } from '../stream/options.js';
import type { Usage } from '../usage/extract.js';

/** What your function receives on each attempt. */
export interface AttemptContext {
  /**
   * The model chosen for this attempt: pass it to the provider. For a
   * deployment, the name it is called with (its `model`, else the logical one).
   */
  readonly model: string;
  /** The id of the deployment this attempt goes to; undefined for a model without deployments. */
  readonly deployment?: string | undefined;
  /**
   * The SDK client of that deployment: make this attempt's call with it.
   * Undefined for a model without deployments (call your own client).
   * @example client.run(({ model, signal, client }) => (client as OpenAI).chat.completions.create({ model, messages }, { signal }))
   */
  readonly client?: object | undefined;
  /**
   * Aborted when the attempt times out, the caller's signal aborts, or the
   * client is disposed. Pass it to the SDK (`{ signal }`) so the request is cancelled.
   */
  readonly signal: AbortSignal;
  /** 1-based attempt number on this model. */
  readonly attempt: number;
  /** The `taskId` given to `run`, if any. */
  readonly taskId?: string;
  /**
   * The `request` given to `run`, for your function to send. With
   * `stream.resume`, a continuation runs your function again with the
   * continuation request here (your messages plus the partial answer): send
   * it (`create({ ...request, model })`) and the stream is continued; a
   * function that never reads it is taken to send its own request, and the
   * stream is not continued.
   */
  readonly request?: unknown;
  /**
   * Hands the response's (or error's) headers to the client: rate-limit headers
   * update `client.rateLimits(model)`, the `ratelimit` event and the limiter's
   * admission. You rarely need it: the headers of an SDK call your function
   * returns (or passes through `track`), and of any error it throws, are read
   * for you, and the drop-in wrappers call it too. Never throws.
   */
  reportHeaders(headers: unknown): void;
  /**
   * Returns the SDK call unchanged, after arranging for its response headers
   * to reach the client as soon as they arrive: for an `async` function that
   * awaits the SDK instead of returning its promise. Works with the `openai`
   * and `@anthropic-ai/sdk` promises (`APIPromise`, `stream: true` included)
   * and Anthropic's `messages.stream()`; anything else is returned as it is.
   * Never reads the body.
   * @example
   * client.run(async ({ model, signal, track }) => {
   *   const completion = await track(openai.chat.completions.create({ model, messages }, { signal }));
   *   return completion.choices[0]?.message.content;
   * });
   */
  track<P>(sdkCall: P): P;
}

export type AttemptFn<T> = (context: AttemptContext) => Promise<T> | T;

export interface RunOptions<T = unknown> {
  /** Overrides the client's fallback chain for this call. */
  readonly models?: readonly string[] | undefined;
  /**
   * The provider your function calls (`'openai'`, `'anthropic'`): chain entries
   * that name another provider are skipped, and the `fallback` event lists them
   * in `skipped`. If none is left, `run` throws a `ConfigError`. The drop-in
   * wrappers set it for you.
   */
  readonly provider?: string | undefined;
  /** Groups calls of one agent task: carried on every event, and the key of per-task budgets. */
  readonly taskId?: string | undefined;
  /** The caller's abort signal. An abort is never retried and never counts against a model. */
  readonly signal?: AbortSignal | undefined;
  /** Per-attempt timeout for this call, overriding the client's `timeoutMs`. */
  readonly timeoutMs?: number | undefined;
  /**
   * The whole call's deadline, in ms from now on the client's clock, across
   * every retry and fallback. No attempt starts when fewer ms remain than its
   * model's median latency (once known), no backoff sleeps past it, and an
   * attempt still running when it arrives is cut off with a `TimeoutError`
   * (`scope: 'call'`). Admission waits for rate-limit capacity by it instead
   * of `limits.maxWaitMs`: up to the deadline less the model's recent p95
   * latency, earliest deadline first; a call that could not be sent in time
   * to finish fails at once with `NoCapacityError` (with `retryAfterMs`)
   * instead of at your deadline, and is never sent. Running out is never
   * counted against a model; the call rejects with `AllModelsFailedError`
   * whose reasons are `deadline` (or `rate_limit` for admission). Any length
   * is honoured, also beyond the 24.8 days one platform timer can hold.
   * @example { deadlineMs: 120_000 }
   */
  readonly deadlineMs?: number | undefined;
  /**
   * The request you send, read only to estimate its tokens for the budget
   * (message text length, `max_tokens`). Never stored or emitted. With
   * `stream: true` the answer is known to be a stream before it arrives, so
   * `stream.firstChunkTimeoutMs` counts from the attempt's start.
   */
  readonly request?: unknown;
  /**
   * Overrides parts of the budget's estimate. With neither `request` nor
   * `estimate`, admission weighs the call by the model's recent real usage
   * (the default estimate before its first answer).
   */
  readonly estimate?: { readonly inputTokens?: number | undefined; readonly outputTokens?: number | undefined } | undefined;
  /** Reads usage from your result when the built-in extraction cannot. */
  readonly usage?: ((value: unknown) => Usage | undefined) | undefined;
  /** Stream timeouts for this call, overriding the client's `stream` options. */
  readonly stream?: StreamOptions | undefined;
  /**
   * Hedging for this call: `true` with the client's hedge options (or the
   * defaults), `false` to skip it, or this call's own `delayMs`.
   */
  readonly hedge?: boolean | { readonly delayMs?: number | 'auto' | undefined } | undefined;
  /**
   * Your conditions for this call, typed by its result; they replace the
   * client's `conditions` field by field.
   * @example { result: (r) => (r.choices[0]?.message.content ? 'accept' : 'fallback') }
   */
  readonly conditions?: Conditions<T> | undefined;
}

export type { Outcome } from '../fallback/outcome.js';
