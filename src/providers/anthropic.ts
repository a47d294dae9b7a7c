/**
 * `llm-resilience/anthropic`: the user's own `new Anthropic()` client, with
 * every method that asks a model for a message (`messages` and `beta.messages`:
 * `create`, `parse`, `stream`, the tool runner) running through the resilient pipeline.
 */
import type { ResilientClient } from '../client/client.js';
import type { ResilientClientOptions } from '../client/options.js';
import {
  type APIPromiseLike,
  type AdapterOptions,
  type AnyCreate,
  type Resilient,
  type ResilientRunner,
  overlay,
  resilientCreate,
  resolveAdapterOptions,
  toRunner,
} from './shared.js';
import { type ViewSpec, resourceView } from './view.js';

export { withRunOptions } from './run-options.js';
export type { CallRunOptions } from './run-options.js';
export type { Resilient, ResilientRunner } from './shared.js';

// Local structural types: the published .d.ts must not depend on `@anthropic-ai/sdk`.
type CreateFn = (body: never, options?: never) => APIPromiseLike<unknown>;

/** The shape of an `@anthropic-ai/sdk` client this wrapper needs. */
export interface AnthropicLike {
  readonly messages: { create: CreateFn; stream?: (body: never, options?: never) => unknown };
}

export type WrapAnthropicOptions = AdapterOptions;

/** The provider name a `{ model, provider }` chain entry uses for models this wrapper serves. */
export const ANTHROPIC = 'anthropic';

/**
 * Returns a view of `anthropic` whose model calls go through `client.run`
 * (breaker, 429/529-aware retry, fallback — except to chain entries that name
 * another provider) with the SDK's own retries off. Covered: `messages` and
 * `beta.messages` `create`, `parse` and `stream`, `beta.messages.toolRunner`
 * and `thread`, also on the client `withOptions(...)` returns. `resilience` is
 * the client the calls run through.
 *
 * The helpers are the SDK's own: `messages.stream(...)` keeps returning the SDK's
 * `MessageStream`, built on top of `messages.create({ stream: true })`, which is
 * the resilient one here: until the first content chunk (an `overloaded_error`
 * event inside the 200 stream included) the call is retried and falls back; a
 * later failure is thrown as `StreamInterruptedError`. The events are not changed.
 * A request for a model the chain assigns to another provider is refused with
 * a `ConfigError` before anything is sent.
 *
 * @example
 * const anthropic = wrapAnthropic(new Anthropic(), { models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] });
 * const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 1024, messages });
 */
export function wrapAnthropic<C extends AnthropicLike, R extends ResilientRunner>(anthropic: C, client: R, options?: WrapAnthropicOptions): C & Resilient<R>;
export function wrapAnthropic<C extends AnthropicLike>(anthropic: C, clientOptions: ResilientClientOptions, options?: WrapAnthropicOptions): C & Resilient<ResilientClient>;
export function wrapAnthropic<C extends AnthropicLike>(anthropic: C, clientOrOptions: ResilientRunner | ResilientClientOptions, options?: WrapAnthropicOptions): C & Resilient<ResilientRunner>;
export function wrapAnthropic<C extends AnthropicLike>(
  anthropic: C,
  clientOrOptions: ResilientRunner | ResilientClientOptions,
  options?: WrapAnthropicOptions,
): C & Resilient<ResilientRunner> {
  return wrap(anthropic, toRunner(clientOrOptions), resolveAdapterOptions(options, clientOrOptions, 'wrapAnthropic'));
}

type Resource = { readonly create?: unknown; readonly [key: string]: unknown };
const resourceAt = (v: unknown): Resource | undefined => (v !== null && typeof v === 'object' ? (v as Resource) : undefined);

function wrap<C extends AnthropicLike>(anthropic: C, runner: ResilientRunner, opts: Parameters<typeof resilientCreate>[2]): C & Resilient<ResilientRunner> {
  // Only `create` is replaced: `parse`, `stream`, `toolRunner` and `thread` are the SDK's
  // own, and inside the view they reach `this.create` / `this._client.beta.messages.create`,
  // which are ours (see view.ts for why the interception sits here).
  const resilient = (resource: Resource, path: readonly string[]) =>
    resilientCreate(runner, (b, o) => (resource.create as unknown as AnyCreate).call(resource, b, o), opts, { provider: ANTHROPIC, path });
  const views: Record<string, ViewSpec> = { messages: { methods: { create: resilient(anthropic.messages as unknown as Resource, ['messages']) } } };
  const betaMessages = resourceAt(resourceAt((anthropic as { beta?: unknown }).beta)?.messages);
  if (typeof betaMessages?.create === 'function') views.beta = { children: { messages: { methods: { create: resilient(betaMessages, ['beta', 'messages']) } } } };
  let wrapped: (C & Resilient<ResilientRunner>) | undefined;
  const self = () => wrapped as object;
  const overrides: Record<string, unknown> = { resilience: runner };
  for (const [key, view] of Object.entries(views)) overrides[key] = resourceView((anthropic as unknown as Record<string, object>)[key]!, view, self);
  const withOptions = (anthropic as { withOptions?: unknown }).withOptions;
  // `withOptions` builds a new SDK client; wrap it too, on the same client and adapter options.
  if (typeof withOptions === 'function') overrides.withOptions = (o: unknown) => wrap(withOptions.call(anthropic, o) as C, runner, opts);
  wrapped = overlay(anthropic, overrides) as C & Resilient<ResilientRunner>;
  return wrapped;
}
