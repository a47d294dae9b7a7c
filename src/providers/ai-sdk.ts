/**
 * `llm-resilience/ai-sdk`: a language-model middleware for the Vercel AI SDK's
 * `wrapLanguageModel`, putting breaker, retry and fallback around `doGenerate`
 * and `doStream`. Works with `ai` 7 (middleware spec `v4`), `ai` 6 (`v3`) and `ai` 5 (`v2`).
 */
import * as z from '../options/zod.js';
import { ConfigError } from '../errors/errors.js';
import type { ResilientClientOptions } from '../client/options.js';
import { validateOptions } from '../options/validate.js';
import {
  type AdapterOptions,
  type ResilientRunner,
  adapterOptionShape,
  chainFor,
  errorHeaders,
  isRunner,
  reportHeaders,
  toRunner,
} from './shared.js';
import { systemClock } from '../clock/clock.js';
import type { ResilientClient } from '../client/client.js';
import { type CallRunOptions, mergeRunOptions } from './run-options.js';

export type { CallRunOptions } from './run-options.js';

// Local structural types, so our .d.ts does not depend on `@ai-sdk/provider`.

/** The call options the AI SDK hands a model; only `abortSignal` and `providerOptions` are read. */
export interface LanguageModelCallOptionsLike {
  abortSignal?: AbortSignal;
  providerOptions?: Record<string, unknown>;
}

/**
 * The `providerOptions` key under which a `generateText` / `streamText` call
 * passes run options for itself (`taskId`, `estimate`, `timeoutMs`); providers ignore it.
 * @example generateText({ model, prompt, providerOptions: { [RUN_OPTIONS_KEY]: { taskId: 'ticket-42' } } })
 */
export const RUN_OPTIONS_KEY = 'llm-resilience';

/** A language model as the middleware sees it (`LanguageModelV2` / `LanguageModelV3` / `LanguageModelV4`). */
export interface LanguageModelLike<P extends LanguageModelCallOptionsLike = LanguageModelCallOptionsLike> {
  readonly modelId: string;
  doGenerate(options: P): PromiseLike<unknown>;
  doStream(options: P): PromiseLike<unknown>;
}

export type MiddlewareSpecVersion = 'v2' | 'v3' | 'v4';

export interface ResilienceMiddlewareOptions<V extends MiddlewareSpecVersion = 'v4'> extends AdapterOptions {
  /**
   * Model instances for the rest of the chain, by model id. The wrapped model is
   * always the primary; a chain entry without an instance here is skipped.
   * These models are called directly: wrap them first if they need other middleware.
   * @example { 'gpt-4.1-mini': openai('gpt-4.1-mini') }
   */
  readonly models?: Readonly<Record<string, LanguageModelLike<never>>> | undefined;
  /**
   * The middleware spec the installed `ai` expects: `'v4'` for ai 7, `'v3'` for ai 6,
   * `'v2'` for ai 5. Only the type differs; the runtime behaviour is the same.
   * @default 'v4'
   */
  readonly specificationVersion?: V | undefined;
}

interface WrapArgs<P, R> {
  doGenerate: () => PromiseLike<R>;
  doStream: () => PromiseLike<R>;
  params: P;
  model: { readonly modelId: string; doGenerate(options: P): PromiseLike<R>; doStream(options: P): PromiseLike<R> };
}

export interface ResilienceMiddleware<V extends MiddlewareSpecVersion = 'v4', R extends ResilientRunner = ResilientRunner> {
  readonly specificationVersion: V;
  /** The client the calls run through: the one you passed, or the one built from your options. */
  readonly resilience: R;
  wrapGenerate<P extends LanguageModelCallOptionsLike, G, S>(options: { doGenerate: () => PromiseLike<G>; doStream: () => PromiseLike<S>; params: P; model: { readonly modelId: string; doGenerate(o: P): PromiseLike<G>; doStream(o: P): PromiseLike<S> } }): Promise<G>;
  wrapStream<P extends LanguageModelCallOptionsLike, G, S>(options: { doGenerate: () => PromiseLike<G>; doStream: () => PromiseLike<S>; params: P; model: { readonly modelId: string; doGenerate(o: P): PromiseLike<G>; doStream(o: P): PromiseLike<S> } }): Promise<S>;
}

const schema = z.strictObject({
  ...adapterOptionShape,
  models: z.optional(z.record(z.string(), z.custom<LanguageModelLike<never>>((v) => typeof v === 'object' && v !== null && typeof (v as LanguageModelLike).doGenerate === 'function', { error: 'expected a language model instance' }), { error: 'expected an object of model id → language model' })),
  specificationVersion: z.optional(z.enum(['v2', 'v3', 'v4'], { error: "expected 'v2', 'v3' or 'v4'" })),
});

/**
 * What the middleware throws is final: the chain already retried and fell back
 * as configured. The AI SDK re-runs a call (its `maxRetries`, default 2) only
 * for an `APICallError` or `GatewayError` whose `isRetryable` is true. Our own
 * errors are neither; a provider error the chain passes through unchanged (a
 * 400 that another model would fail the same way) is marked `isRetryable:
 * false`, so the AI SDK never starts a second chain run.
 */
/** The params an attempt sends: the run's `request` (a continuation when a stream is resumed) without the `stream` flag the client reads. */
function paramsOf<P>(request: unknown, params: P): P {
  if (request === null || typeof request !== 'object') return params;
  const { stream: _stream, ...given } = request as Record<string, unknown>;
  return given as P;
}

function final(error: unknown): never {
  if (typeof error === 'object' && error !== null && (error as { isRetryable?: unknown }).isRetryable === true) {
    try {
      Object.defineProperty(error, 'isRetryable', { value: false, writable: true, enumerable: true, configurable: true });
    } catch {
      // a frozen error: nothing to mark, the AI SDK may retry it
    }
  }
  throw error;
}

/** A deployment's client as a model instance, or a ConfigError when it is not one. */
function deploymentModel(client: object, method: 'doGenerate' | 'doStream', deployment: string | undefined): object {
  if (typeof (client as Record<string, unknown>)[method] === 'function') return client;
  throw new ConfigError([{ path: 'deployments.client', message: `expected the client of deployment "${deployment}" to be an AI SDK model instance (with ${method}) for the AI SDK middleware` }]);
}

/**
 * A `LanguageModelMiddleware` that runs each `doGenerate` / `doStream` through
 * `client.run`. The wrapped model is the primary; the chain continues with the
 * client's other models that have an instance in `options.models`.
 *
 * A stream is retried and falls back until its first content part (an error
 * part before it included); `doStream` then resolves with `{ ...result, stream }`,
 * the parts unchanged, and a later failure is thrown as `StreamInterruptedError`.
 *
 * @example
 * const model = wrapLanguageModel({ model: openai('gpt-4.1'), middleware: resilienceMiddleware(client) });
 * await generateText({ model, prompt, maxRetries: 0 });
 */
export function resilienceMiddleware<V extends MiddlewareSpecVersion = 'v4', R extends ResilientRunner = ResilientRunner>(
  client: R,
  options?: ResilienceMiddlewareOptions<V>,
): ResilienceMiddleware<V, R>;
export function resilienceMiddleware<V extends MiddlewareSpecVersion = 'v4'>(
  clientOptions: ResilientClientOptions,
  options?: ResilienceMiddlewareOptions<V>,
): ResilienceMiddleware<V, ResilientClient>;
export function resilienceMiddleware<V extends MiddlewareSpecVersion = 'v4'>(
  clientOrOptions: ResilientRunner | ResilientClientOptions,
  options?: ResilienceMiddlewareOptions<V>,
): ResilienceMiddleware<V, ResilientRunner> {
  const o = validateOptions(schema, options ?? {}, 'resilienceMiddleware');
  const fromClient = isRunner(clientOrOptions) ? undefined : clientOrOptions.clock;
  const adapter = Object.freeze({ onRateLimit: o.onRateLimit, clock: o.clock ?? fromClient ?? systemClock });
  const runner = toRunner(clientOrOptions);
  const others = o.models ?? {};

  const run = <P extends LanguageModelCallOptionsLike, R>(args: WrapArgs<P, R>, method: 'doGenerate' | 'doStream'): Promise<R> => {
    const { params, model } = args;
    const primary = model.modelId;
    const chain = chainFor(primary, runner.models).filter((id) => id === primary || Object.hasOwn(others, id));
    const result = runner.run<R>(
      async (ctx): Promise<R> => {
        // A deployment's client is its own model instance (e.g. `azure('gpt-4-1-prod')` for `openai('gpt-4.1')`).
        const target = (ctx.client !== undefined ? deploymentModel(ctx.client, method, ctx.deployment) : ctx.model === primary ? model : others[ctx.model]) as unknown as WrapArgs<P, R>['model'];
        try {
          // Calling the model directly (not `args.doGenerate`) lets each attempt carry its own signal.
          const result: R = await target[method]({ ...paramsOf(ctx.request, params), abortSignal: ctx.signal });
          reportHeaders(ctx, (result as { response?: { headers?: unknown } } | undefined)?.response?.headers, adapter);
          return result;
        } catch (error) {
          reportHeaders(ctx, errorHeaders(error), adapter);
          throw error;
        }
      },
      {
        ...mergeRunOptions(o.runOptions?.(), params.providerOptions?.[RUN_OPTIONS_KEY] as CallRunOptions | undefined),
        models: chain,
        // `stream: true` tells the client before the answer that it is a stream: `firstChunkTimeoutMs`
        // then counts from the attempt's start (a provider's doStream can wait for the first event).
        request: method === 'doStream' ? { ...params, stream: true } : params,
        ...(params.abortSignal ? { signal: params.abortSignal } : {}),
      },
    );
    return result.catch(final);
  };

  return Object.freeze({
    specificationVersion: (o.specificationVersion ?? 'v4') as V,
    resilience: runner,
    wrapGenerate: <P extends LanguageModelCallOptionsLike, G, S>(args: WrapArgs<P, G> & { doStream: () => PromiseLike<S> }) => run<P, G>(args as unknown as WrapArgs<P, G>, 'doGenerate'),
    wrapStream: <P extends LanguageModelCallOptionsLike, G, S>(args: WrapArgs<P, S> & { doGenerate: () => PromiseLike<G> }) => run<P, S>(args as unknown as WrapArgs<P, S>, 'doStream'),
  }) as unknown as ResilienceMiddleware<V, ResilientRunner>;
}
