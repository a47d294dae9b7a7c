/**
 * What the three adapters share: turning "a client or its options" into a
 * runner, building the model chain from the request's `model`, reporting the
 * response headers of each attempt, and the SDKs' `.withResponse()` shape.
 * No SDK is imported: every provider object is reached by duck typing.
 */
import { z } from 'zod';
import { ResilientClient } from '../client/client.js';
import type { AttemptContext, RunOptions } from '../client/types.js';
import { type Clock, systemClock } from '../clock/clock.js';
import type { ResilientClientOptions } from '../options/options.js';
import { clockSchema, fn } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';
import { type RateLimitInfo, parseRateLimitHeaders } from './ratelimit-headers.js';

/** The part of {@link ResilientClient} an adapter uses. */
export interface ResilientRunner {
  readonly models: readonly string[];
  run<T>(fn: (context: AttemptContext) => Promise<T>, options?: RunOptions): Promise<T>;
}

/** Options every adapter accepts. */
export interface AdapterOptions {
  /**
   * Called after every attempt whose response (success or error) carried rate-limit
   * headers, with the model the attempt went to. A throwing callback is ignored.
   * @example onRateLimit: (model, info) => console.log(model, info.requests?.remaining)
   */
  readonly onRateLimit?: (model: string, info: RateLimitInfo) => void;
  /**
   * Clock that time-stamps rate-limit observations (each window's `resetsAt`).
   * Given client options, the adapter builds its client on their `clock` and uses
   * it here too. Given a `ResilientClient`, the adapter cannot see that client's
   * clock: pass the same one here (a fake clock in tests), or the system clock is used.
   * @default the options' `clock` when options are given; otherwise systemClock
   */
  readonly clock?: Clock;
  /**
   * Run options for each wrapped call, read when the call starts — e.g. the
   * current agent task's id from your own AsyncLocalStorage, so budgets per
   * task and events carry it without changing the SDK call.
   * @example runOptions: () => ({ taskId: taskStore.getStore()?.id })
   */
  readonly runOptions?: () => Pick<RunOptions, 'taskId' | 'estimate' | 'timeoutMs' | 'stream'> | undefined;
}


export const adapterOptionShape = {
  onRateLimit: fn<NonNullable<AdapterOptions['onRateLimit']>>('a function (model, info) => void').optional(),
  clock: clockSchema().optional(),
  runOptions: fn<NonNullable<AdapterOptions['runOptions']>>('a function () => run options').optional(),
};

const adapterSchema = z.strictObject(adapterOptionShape);

export const isRunner = (v: unknown): v is ResilientRunner =>
  typeof v === 'object' && v !== null && typeof (v as ResilientRunner).run === 'function' && Array.isArray((v as ResilientRunner).models);

/** A client as given, or a new one built from options (validated by the client itself). */
export function toRunner(clientOrOptions: ResilientRunner | ResilientClientOptions): ResilientRunner {
  return isRunner(clientOrOptions) ? clientOrOptions : new ResilientClient(clientOrOptions);
}

export function resolveAdapterOptions(
  options: AdapterOptions | undefined,
  clientOrOptions: ResilientRunner | ResilientClientOptions,
  root: string,
): AdapterOptions & { clock: Clock } {
  const o = validateOptions(adapterSchema, options ?? {}, root);
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

/** What `.withResponse()` resolves to in both SDKs. */
export interface WithResponse<T> {
  readonly data: T;
  readonly response: Response;
  readonly request_id?: string | null | undefined;
}

/** The SDK call as a wrapper sees it: an `APIPromise`, of which only `.withResponse()` is used. */
export interface APIPromiseLike<T> extends PromiseLike<T> {
  withResponse?(): Promise<WithResponse<T>>;
}

export type ResilientPromise<T> = Promise<T> & { withResponse(): Promise<WithResponse<T>> };

/**
 * A promise of the data that also answers `.withResponse()`, like the SDK's own
 * `APIPromise`; `last` holds the response of the attempt that succeeded.
 */
export function resilientPromise<T>(data: Promise<T>, last: { response?: Response }): ResilientPromise<T> {
  const withResponse = data.then((d) => {
    const response = last.response as Response;
    return { data: d, response, request_id: response?.headers?.get?.('request-id') ?? response?.headers?.get?.('x-request-id') ?? null };
  });
  // The caller may use only one of the two forms; the other must not surface as an unhandled rejection.
  withResponse.catch(() => {});
  return Object.assign(data, { withResponse: () => withResponse });
}

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
  last: { response?: Response },
): Promise<T> {
  try {
    const pending = call();
    // Not an APIPromise (a user's own stub, an older SDK): no headers to read.
    if (typeof pending.withResponse !== 'function') return await pending;
    const result = await pending.withResponse();
    last.response = result.response;
    reportHeaders(context, result.response?.headers, options);
    return result.data;
  } catch (error) {
    reportHeaders(context, errorHeaders(error), options);
    throw error;
  }
}

export interface RequestOptionsLike {
  readonly signal?: AbortSignal | null;
  readonly [key: string]: unknown;
}

export type AnyCreate = (body: Record<string, unknown>, options?: RequestOptionsLike) => APIPromiseLike<unknown>;

/**
 * Runs one SDK method through the pipeline. The request's `model` is the
 * primary; the rest of the chain comes from the client. The SDK's own retries
 * are turned off (`maxRetries: 0`) so they do not multiply ours.
 */
export function resilientCreate(runner: ResilientRunner, create: AnyCreate, options: AdapterOptions & { clock: Clock }) {
  return (body: Record<string, unknown>, requestOptions?: RequestOptionsLike) => {
    const signal = requestOptions?.signal ?? undefined;
    const last: { response?: Response } = {};
    const extra = options.runOptions?.();
    const data = runner.run(
      (ctx) => attemptWithResponse(ctx, () => create({ ...body, model: ctx.model }, { ...requestOptions, signal: ctx.signal, maxRetries: 0 }), options, last),
      // `request` lets the budget estimate the call; it is never stored or emitted.
      { ...extra, models: chainFor(body?.model, runner.models), request: body, ...(signal ? { signal } : {}) },
    );
    return resilientPromise(data, last);
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
