/**
 * What the three adapters share: turning "a client or its options" into a
 * runner, building the model chain from the request's `model`, reporting the
 * response headers of each attempt, and the SDKs' `.withResponse()` shape.
 * No SDK is imported: every provider object is reached by duck typing.
 */
import * as z from '../options/zod.js';
import { ResilientClient } from '../client/client.js';
import type { AttemptContext, RunOptions } from '../client/types.js';
import { type Clock, systemClock } from '../clock/clock.js';
import type { ResilientClientOptions } from '../client/options.js';
import { clockSchema, fn } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';
import { type RateLimitInfo, parseRateLimitHeaders } from '../classify/ratelimit-headers.js';
import { ConfigError } from '../errors/errors.js';
import { type APIPromiseLike, type LastAttempt, type WithResponse, resilientPromise } from './response.js';
import { type CallRunOptions, mergeRunOptions, takeRunOptions } from './run-options.js';

export type { APIPromiseLike, ResilientPromise, WithResponse } from './response.js';

/** The part of {@link ResilientClient} an adapter uses. */
export interface ResilientRunner {
  readonly models: readonly string[];
  run<T>(fn: (context: AttemptContext) => Promise<T>, options?: RunOptions): Promise<T>;
  /** The provider a `{ model, provider }` chain entry names; a runner without it names none. */
  providerOf?(model: string): string | undefined;
}

/** Options every adapter accepts. */
export interface AdapterOptions {
  /**
   * Called after every attempt whose response (success or error) carried rate-limit
   * headers, with the model the attempt went to. A throwing callback is ignored.
   * @example onRateLimit: (model, info) => console.log(model, info.requests?.remaining)
   */
  readonly onRateLimit?: ((model: string, info: RateLimitInfo) => void) | undefined;
  /**
   * Clock that time-stamps rate-limit observations (each window's `resetsAt`).
   * Given client options, the adapter builds its client on their `clock` and uses
   * it here too. Given a `ResilientClient`, the adapter cannot see that client's
   * clock: pass the same one here (a fake clock in tests), or the system clock is used.
   * @default the options' `clock` when options are given; otherwise systemClock
   */
  readonly clock?: Clock | undefined;
  /**
   * Run options for each wrapped call, read when the call starts — e.g. the
   * current agent task's id from your own AsyncLocalStorage, so budgets per
   * task and events carry it without changing the SDK call. A field set to
   * `undefined` is not set. Options given with the call (`withRunOptions`) win.
   * @example runOptions: () => ({ taskId: taskStore.getStore()?.id })
   */
  readonly runOptions?: (() => CallRunOptions | undefined) | undefined;
}

/**
 * What a wrapper adds to the SDK object: `resilience`, the client its calls run
 * through — the one you passed, or the one built from your options — for
 * events, `budget`, `snapshot()` and `dispose()`.
 */
export interface Resilient<R> {
  readonly resilience: R;
}


export const adapterOptionShape = {
  onRateLimit: z.optional(fn<NonNullable<AdapterOptions['onRateLimit']>>('a function (model, info) => void')),
  clock: z.optional(clockSchema()),
  runOptions: z.optional(fn<NonNullable<AdapterOptions['runOptions']>>('a function () => run options')),
};

const adapterSchema = z.strictObject(adapterOptionShape);

export const isRunner = (v: unknown): v is ResilientRunner =>
  typeof v === 'object' && v !== null && typeof (v as ResilientRunner).run === 'function' && Array.isArray((v as ResilientRunner).models);

/** A client as given, or a new one built from options (validated by the client itself). */
export function toRunner(clientOrOptions: ResilientRunner | ResilientClientOptions): ResilientRunner {
  return isRunner(clientOrOptions) ? clientOrOptions : new ResilientClient(clientOrOptions);
}

export function resolveAdapterOptions<O extends AdapterOptions = AdapterOptions>(
  options: O | undefined,
  clientOrOptions: ResilientRunner | ResilientClientOptions,
  root: string,
  schema: z.ZodMiniType<O> = adapterSchema as unknown as z.ZodMiniType<O>,
): O & { clock: Clock } {
  const o = validateOptions(schema, options ?? {}, root);
  const fromClient = isRunner(clientOrOptions) ? undefined : clientOrOptions.clock;
  return Object.freeze({ ...o, clock: o.clock ?? fromClient ?? systemClock });
}

/** The request's model first, then the client's chain without it. */
export function chainFor(primary: unknown, models: readonly string[]): readonly string[] {
  if (typeof primary !== 'string' || primary === '') return models;
  return [primary, ...models.filter((m) => m !== primary)];
}

/**
 * Hands an attempt's response headers to whoever wants them: the client's own
 * per-attempt hook when it has one (`context.reportHeaders`, see docs/rate-limits.md),
 * and the adapter's `onRateLimit`. Never throws.
 */
export function reportHeaders(context: AttemptContext, headers: unknown, options: AdapterOptions & { clock: Clock }): void {
  if (headers === null || typeof headers !== 'object') return;
  try {
    const hook = (context as { reportHeaders?: unknown }).reportHeaders;
    if (typeof hook === 'function') hook.call(context, headers);
    if (options.onRateLimit) {
      const info = parseRateLimitHeaders(headers, options.clock.now());
      if (info) options.onRateLimit(context.model, info);
    }
  } catch {
    // observation must never fail the call it observes
  }
}

/** The headers an SDK error carries: `headers` (openai, anthropic) or `responseHeaders` (AI SDK). */
export const errorHeaders = (error: unknown): unknown =>
  typeof error === 'object' && error !== null ? ((error as { headers?: unknown }).headers ?? (error as { responseHeaders?: unknown }).responseHeaders) : undefined;

/**
 * One attempt of an SDK call: reads the response headers on success and on
 * failure and returns exactly the SDK's data (so the client's usage extraction
 * and stream handling see what the SDK returned). A stream's data is the SDK's
 * own stream object; the client then holds it until its first content chunk.
 */
export async function attemptWithResponse<T>(
  context: AttemptContext,
  call: () => APIPromiseLike<T>,
  options: AdapterOptions & { clock: Clock },
  last: AttemptResponses,
): Promise<T> {
  try {
    let pending = call();
    // Not an APIPromise (a user's own stub, an older SDK): no headers to read.
    if (typeof pending.withResponse !== 'function') return await pending;
    // Keep the SDK's response props (the request as sent) for helpers that post-process with them.
    let props: unknown;
    if (typeof pending._thenUnwrap === 'function') {
      pending = pending._thenUnwrap((d, p) => {
        props = p;
        return d;
      });
    }
    const result = await (pending.withResponse as () => Promise<WithResponse<T>>)();
    last.record(result.response, props, context.signal);
    reportHeaders(context, result.response?.headers, options);
    return result.data;
  } catch (error) {
    reportHeaders(context, errorHeaders(error), options);
    throw error;
  }
}

/**
 * The responses of one call's attempts. The one `.withResponse()` reports is
 * the latest of an attempt still running: a hedge's two requests send their
 * headers in any order, and the losing one is aborted when the winner commits.
 */
export class AttemptResponses implements LastAttempt {
  readonly #seen: { readonly response: Response; readonly props: unknown; readonly signal: AbortSignal }[] = [];
  record(response: Response, props: unknown, signal: AbortSignal): void {
    this.#seen.push({ response, props, signal });
  }
  #winner() {
    for (let i = this.#seen.length - 1; i >= 0; i--) if (!this.#seen[i]!.signal.aborted) return this.#seen[i];
    return this.#seen.at(-1);
  }
  get response(): Response | undefined {
    return this.#winner()?.response;
  }
  /** The SDK's response props of the same attempt as {@link response}. */
  get props(): unknown {
    return this.#winner()?.props;
  }
}

export interface RequestOptionsLike {
  readonly signal?: AbortSignal | null;
  readonly [key: string]: unknown;
}

export type AnyCreate = (body: Record<string, unknown>, options?: RequestOptionsLike) => APIPromiseLike<unknown>;

/** How one wrapped SDK method runs: which provider serves it, and what the caller gets back from the data. */
export interface CreateSpec {
  /** The provider this SDK serves: chain entries naming another one are skipped. */
  readonly provider: string;
  /** Turns the pipeline's result into what the caller receives (e.g. hides what the wrapper asked for itself). */
  readonly deliver?: (value: unknown) => unknown;
  /** The models tried after the request's own; the client's chain when not given. */
  readonly fallbacks?: readonly string[];
  /** Run options this method always sets (embeddings: no output tokens to reserve). */
  readonly run?: Pick<RunOptions, 'estimate'>;
  /** Where this method's resource sits on an SDK client (`['chat', 'completions']`): a deployment's attempt calls it on the deployment's client. */
  readonly path?: readonly string[];
}

/**
 * The same method on a deployment's own SDK client (its key, Azure, Bedrock,
 * Vertex), or a ConfigError when that client has none.
 */
function createOn(client: object, path: readonly string[], deployment: string | undefined): AnyCreate {
  let resource: unknown = client;
  for (const k of path) resource = resource !== null && typeof resource === 'object' ? (resource as Record<string, unknown>)[k] : undefined;
  const create = resource !== null && typeof resource === 'object' ? (resource as { create?: unknown }).create : undefined;
  if (typeof create !== 'function') {
    throw new ConfigError([{ path: 'deployments.client', message: `expected the client of deployment "${deployment}" to have ${path.join('.')}.create, as the wrapped SDK has` }]);
  }
  return (b, o) => (create as AnyCreate).call(resource, b, o);
}

/**
 * A request whose `model` the chain assigns to another provider cannot be sent
 * through this SDK; answering it with the chain's next model would hide that
 * the model asked for never ran. Returns the error to reject with, if any.
 */
export function foreignModel(runner: ResilientRunner, model: unknown, provider: string): ConfigError | undefined {
  if (typeof model !== 'string' || typeof runner.providerOf !== 'function') return undefined;
  const named = runner.providerOf(model);
  if (named === undefined || named === provider) return undefined;
  return new ConfigError([
    {
      path: 'request.model',
      message: `the chain names "${named}" as the provider of "${model}", and this wrapper sends requests to "${provider}" only; nothing was sent (call it through the ${named} SDK, or client.run with byProvider)`,
    },
  ]);
}

/**
 * Runs one SDK method through the pipeline. The request's `model` is the
 * primary; the rest of the chain comes from the client, without the entries
 * of other providers. The SDK's own retries are turned off (`maxRetries: 0`)
 * so they do not multiply ours.
 */
export function resilientCreate(runner: ResilientRunner, create: AnyCreate, options: AdapterOptions & { clock: Clock }, spec: CreateSpec) {
  return (body: Record<string, unknown>, givenOptions?: RequestOptionsLike) => {
    const last = new AttemptResponses();
    const foreign = foreignModel(runner, body?.model, spec.provider);
    if (foreign) return resilientPromise(Promise.reject(foreign), last);
    const { request: requestOptions, run: perCall } = takeRunOptions(givenOptions);
    const signal = requestOptions?.signal ?? undefined;
    const data = runner.run(
      // `ctx.request` is `body`, or a continuation of it when a stream is resumed mid-answer.
      (ctx) => {
        const request = (ctx.request as Record<string, unknown> | undefined) ?? body;
        // A deployment's attempt goes through the deployment's own SDK client.
        const send = ctx.client !== undefined && spec.path ? createOn(ctx.client, spec.path, ctx.deployment) : create;
        return attemptWithResponse(ctx, () => send({ ...request, model: ctx.model }, { ...requestOptions, signal: ctx.signal, maxRetries: 0 }), options, last);
      },
      {
        ...mergeRunOptions(spec.run, options.runOptions?.(), perCall),
        models: chainFor(body?.model, spec.fallbacks ?? runner.models),
        provider: spec.provider,
        // `request` lets the budget estimate the call; it is never stored or emitted.
        request: body,
        ...(signal ? { signal } : {}),
      },
    );
    return resilientPromise(spec.deliver ? data.then(spec.deliver) : data, last);
  };
}

type Fn = (...args: unknown[]) => unknown;

/**
 * A view of `target` where the keys of `overrides` are replaced. Every other
 * method is bound to the real object, because the SDK classes keep state in
 * `#private` fields that a proxy receiver cannot reach.
 */
export function overlay<T extends object>(target: T, overrides: Readonly<Record<string, unknown>>): T {
  const bound = new WeakMap<Fn, Fn>();
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop];
      const v: unknown = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      let b = bound.get(v as Fn);
      if (!b) bound.set(v as Fn, (b = (v as Fn).bind(t)));
      return b;
    },
  });
}
