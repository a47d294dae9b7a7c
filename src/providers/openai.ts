/**
 * `llm-resilience/openai`: the user's own `new OpenAI()` client, with
 * `chat.completions.create` and `responses.create` running through the
 * resilient pipeline. Nothing else about the client changes.
 */
import { ensureIncludeUsage } from '../stream/include-usage.js';
import type { ResilientClientOptions } from '../options/options.js';
import { type APIPromiseLike, type AdapterOptions, type AnyCreate, type ResilientRunner, overlay, resilientCreate, resolveAdapterOptions, toRunner } from './shared.js';

// Local structural types: the published .d.ts must not depend on the `openai` package.
type CreateFn = (body: never, options?: never) => APIPromiseLike<unknown>;

/** The shape of an `openai` client this wrapper needs. */
export interface OpenAILike {
  readonly chat: { readonly completions: { create: CreateFn } };
  readonly responses?: { create: CreateFn };
}

export type WrapOpenAIOptions = AdapterOptions;

/**
 * Returns a view of `openai` whose `chat.completions.create` and `responses.create`
 * go through `client.run`: per-model breaker, 429-aware retry, fallback to the
 * client's other models. The returned promises also answer `.withResponse()`.
 * With `stream: true` you get the SDK's `Stream` back (behind a proxy that
 * replaces only its iteration) once its first content chunk has arrived:
 * failures before that chunk, an error event in the stream included, are
 * retried and fall back; a later one is thrown as `StreamInterruptedError`.
 *
 * @param clientOrOptions a `ResilientClient` to share, or options to build one
 * @example
 * const openai = wrapOpenAI(new OpenAI(), { models: ['gpt-4.1', 'gpt-4.1-mini'] });
 * const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
 */
export function wrapOpenAI<C extends OpenAILike>(openai: C, clientOrOptions: ResilientRunner | ResilientClientOptions, options?: WrapOpenAIOptions): C {
  const opts = resolveAdapterOptions(options, clientOrOptions, 'wrapOpenAI');
  const runner = toRunner(clientOrOptions);
  const completions = openai.chat.completions;
  const rawChatCreate = resilientCreate(runner, (b, o) => (completions.create as unknown as AnyCreate).call(completions, b, o), opts);
  // A chat stream reports usage only when asked (`stream_options.include_usage`);
  // without it the budget can only settle its estimate. Ask, and say so once.
  const chatCreate = ((body: unknown, ...rest: unknown[]) => {
    const { request, added } = ensureIncludeUsage(body);
    if (added) (runner as { noteUsageRequested?: (model: string) => void }).noteUsageRequested?.(String((body as { model?: unknown }).model ?? ''));
    return (rawChatCreate as (...a: unknown[]) => unknown)(request, ...rest);
  }) as typeof rawChatCreate;
  const overrides: Record<string, unknown> = {
    chat: overlay(openai.chat, { completions: overlay(completions, { create: chatCreate }) }),
  };
  const responses = openai.responses;
  if (responses && typeof responses.create === 'function') {
    const responsesCreate = resilientCreate(runner, (b, o) => (responses.create as unknown as AnyCreate).call(responses, b, o), opts);
    overrides.responses = overlay(responses, { create: responsesCreate });
  }
  return overlay(openai, overrides);
}
