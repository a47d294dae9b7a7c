/**
 * `llm-resilience/anthropic`: the user's own `new Anthropic()` client, with
 * `messages.create` and `messages.stream` running through the resilient pipeline.
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

type AnyStream = (this: unknown, body: unknown, options?: unknown) => unknown;

/**
 * Returns a view of `anthropic` whose `messages.create` goes through `client.run`
 * (breaker, 429/529-aware retry, fallback — except to chain entries that name
 * another provider) with the SDK's own retries off. `resilience` is the client
 * the calls run through.
 *
 * `messages.stream(...)` keeps returning the SDK's `MessageStream`: the SDK builds
 * it on top of `messages.create({ stream: true })`, and the wrapper hands it the
 * resilient `create`: until the first content chunk (an `overloaded_error` event
 * inside the 200 stream included) the call is retried and falls back; a later
 * failure is thrown as `StreamInterruptedError`. The events are not changed.
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
  const opts = resolveAdapterOptions(options, clientOrOptions, 'wrapAnthropic');
  const runner = toRunner(clientOrOptions);
  const messages = anthropic.messages;
  const create = resilientCreate(runner, (b, o) => (messages.create as unknown as AnyCreate).call(messages, b, o), opts, { provider: ANTHROPIC });
  const overrides: Record<string, unknown> = { create };
  const stream = messages.stream as AnyStream | undefined;
  if (typeof stream === 'function') {
    // `stream` only reads `this._client` and calls `this.create(...).withResponse()`:
    // an object inheriting from the real resource with our `create` is all it needs.
    const shim: object = Object.create(messages as object, { create: { value: create } });
    overrides.stream = (body: unknown, streamOptions?: unknown) => stream.call(shim, body, streamOptions);
  }
  return overlay(anthropic, { messages: overlay(messages, overrides), resilience: runner }) as C & Resilient<ResilientRunner>;
}
