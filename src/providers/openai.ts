/**
 * `llm-resilience/openai`: the user's own `new OpenAI()` client, with
 * `chat.completions.create` and `responses.create` running through the
 * resilient pipeline. Nothing else about the client changes.
 */
import { ensureIncludeUsage } from '../stream/include-usage.js';
import type { ResilientClient } from '../client/client.js';
import type { ResilientClientOptions } from '../client/options.js';
import { withoutUsageChunk } from './usage-chunk.js';
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

// Local structural types: the published .d.ts must not depend on the `openai` package.
type CreateFn = (body: never, options?: never) => APIPromiseLike<unknown>;

/** The shape of an `openai` client this wrapper needs. */
export interface OpenAILike {
  readonly chat: { readonly completions: { create: CreateFn } };
  readonly responses?: { create: CreateFn };
}

export type WrapOpenAIOptions = AdapterOptions;

/** The provider name a `{ model, provider }` chain entry uses for models this wrapper serves. */
export const OPENAI = 'openai';

/**
 * Returns a view of `openai` whose `chat.completions.create` and `responses.create`
 * go through `client.run`: per-model breaker, 429-aware retry, fallback to the
   * client's other models — except chain entries that name another provider.
   * The returned promises also answer `.withResponse()` and `.asResponse()`, and
   * `resilience` is the client the calls run through.
   * With `stream: true` you get the SDK's `Stream` back (behind a proxy that
   * replaces only its iteration) once its first content chunk has arrived:
   * failures before that chunk, an error event in the stream included, are
   * retried and fall back; a later one is thrown as `StreamInterruptedError`.
 *
 * @param clientOrOptions a `ResilientClient` to share, or options to build one
 * @example
 * const openai = wrapOpenAI(new OpenAI(), { models: ['gpt-4.1', 'gpt-4.1-mini'] });
 * const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
 * openai.resilience.on('fallback', (e) => console.warn(e));
 */
export function wrapOpenAI<C extends OpenAILike, R extends ResilientRunner>(openai: C, client: R, options?: WrapOpenAIOptions): C & Resilient<R>;
export function wrapOpenAI<C extends OpenAILike>(openai: C, clientOptions: ResilientClientOptions, options?: WrapOpenAIOptions): C & Resilient<ResilientClient>;
export function wrapOpenAI<C extends OpenAILike>(openai: C, clientOrOptions: ResilientRunner | ResilientClientOptions, options?: WrapOpenAIOptions): C & Resilient<ResilientRunner>;
export function wrapOpenAI<C extends OpenAILike>(
  openai: C,
  clientOrOptions: ResilientRunner | ResilientClientOptions,
  options?: WrapOpenAIOptions,
): C & Resilient<ResilientRunner> {
  const opts = resolveAdapterOptions(options, clientOrOptions, 'wrapOpenAI');
  const runner = toRunner(clientOrOptions);
  const completions = openai.chat.completions;
  const create = (b: Record<string, unknown>, o: unknown) => (completions.create as unknown as AnyCreate).call(completions, b, o as never);
  const plainChat = resilientCreate(runner, create, opts, { provider: OPENAI });
  // A chat stream reports usage only when asked (`stream_options.include_usage`);
  // without it the budget can only settle its estimate. Ask, say so once, and
  // keep the extra usage chunk from the caller: their loop sees the chunks the
  // SDK yields for the request they wrote.
  const usageChat = resilientCreate(runner, create, opts, { provider: OPENAI, deliver: withoutUsageChunk });
  const chatCreate = (body: Record<string, unknown>, requestOptions?: never) => {
    const { request, added } = ensureIncludeUsage(body);
    if (!added) return plainChat(body, requestOptions);
    (runner as { noteUsageRequested?: (model: string) => void }).noteUsageRequested?.(String(body.model ?? ''));
    return usageChat(request, requestOptions);
  };
  const overrides: Record<string, unknown> = {
    chat: overlay(openai.chat, { completions: overlay(completions, { create: chatCreate }) }),
    resilience: runner,
  };
  const responses = openai.responses;
  if (responses && typeof responses.create === 'function') {
    const responsesCreate = resilientCreate(runner, (b, o) => (responses.create as unknown as AnyCreate).call(responses, b, o), opts, { provider: OPENAI });
    overrides.responses = overlay(responses, { create: responsesCreate });
  }
  return overlay(openai, overrides) as C & Resilient<ResilientRunner>;
}
