/**
 * `llm-resilience/openai`: the user's own `new OpenAI()` client, with every
 * method that asks a model for text or embeddings running through the
 * resilient pipeline. Nothing else about the client changes.
 */
import * as z from '../options/zod.js';
import { ensureIncludeUsage } from '../stream/include-usage.js';
import { modelName } from '../options/schema-helpers.js';
import type { ResilientClient } from '../client/client.js';
import type { ResilientClientOptions } from '../client/options.js';
import { withoutUsageChunk } from './usage-chunk.js';
import {
  type APIPromiseLike,
  type AdapterOptions,
  type AnyCreate,
  type Resilient,
  type ResilientRunner,
  adapterOptionShape,
  overlay,
  resilientCreate,
  resolveAdapterOptions,
  toRunner,
} from './shared.js';
import { type ViewSpec, resourceView } from './view.js';

export { withRunOptions } from './run-options.js';
export type { CallRunOptions } from './run-options.js';
export type { Resilient, ResilientRunner } from './shared.js';

// Local structural types: the published .d.ts must not depend on the `openai` package.
type CreateFn = (body: never, options?: never) => APIPromiseLike<unknown>;

/** The shape of an `openai` client this wrapper needs. */
export interface OpenAILike {
  readonly chat: { readonly completions: { create: CreateFn } };
  readonly responses?: { create: CreateFn };
  readonly embeddings?: { create: CreateFn };
}

export interface WrapOpenAIOptions extends AdapterOptions {
  /**
   * The models `embeddings.create` may fall back to, in order, after the
   * request's own model. Vectors of different models are not interchangeable
   * (other dimensions, another space): list only models whose vectors you can
   * use in place of the primary's — e.g. a second deployment of the same model.
   * Without it an embeddings call is retried on its own model and never falls
   * back (the client's chat models are never used for embeddings).
   * @default []
   * @example embeddingModels: ['text-embedding-3-small-eu']
   */
  readonly embeddingModels?: readonly string[] | undefined;
}

const openaiSchema = z.strictObject({ ...adapterOptionShape, embeddingModels: z.optional(z.readonly(z.array(modelName(), { error: 'expected an array of model names' }))) });

/** The provider name a `{ model, provider }` chain entry uses for models this wrapper serves. */
export const OPENAI = 'openai';

/**
 * Returns a view of `openai` whose model calls go through `client.run`:
 * per-model breaker, 429-aware retry, fallback to the client's other models —
 * except chain entries that name another provider. Covered: `chat.completions`
 * `create`, `parse`, `stream` and `runTools`; `responses` `create`, `parse` and
 * `stream`; `beta.responses.create`; `embeddings.create` (falling back only to
 * `embeddingModels`); and all of these on the client `withOptions(...)` returns.
 * The helpers stay the SDK's own: `stream()` still returns a `ChatCompletionStream`.
 * The returned promises also answer `.withResponse()` and `.asResponse()`, and
 * `resilience` is the client the calls run through.
 * With `stream: true` you get the SDK's `Stream` back (behind a proxy that
 * replaces only its iteration) once its first content chunk has arrived:
 * failures before that chunk, an error event in the stream included, are
 * retried and fall back; a later one is thrown as `StreamInterruptedError`.
 * A request for a model the chain assigns to another provider is refused with
 * a `ConfigError` before anything is sent.
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
  const opts = resolveAdapterOptions(options, clientOrOptions, 'wrapOpenAI', openaiSchema);
  return wrap(openai, toRunner(clientOrOptions), opts);
}

type Opts = Parameters<typeof resilientCreate>[2] & WrapOpenAIOptions;
type Resource = { readonly [key: string]: unknown };

/** The resource at `path` under `root`, if every step is an object. */
const at = (root: unknown, ...path: string[]): Resource | undefined => {
  let v: unknown = root;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Resource)[k] : undefined;
  return v !== null && typeof v === 'object' ? (v as Resource) : undefined;
};

/** The resource's own `create` (bound to the real resource, whose `_client` is the raw client). */
const rawCreate = (resource: Resource) => (b: Record<string, unknown>, o: unknown) => (resource.create as unknown as AnyCreate).call(resource, b, o as never);

function wrap<C extends OpenAILike>(openai: C, runner: ResilientRunner, opts: Opts): C & Resilient<ResilientRunner> {
  const spec = { provider: OPENAI };
  const completions = openai.chat.completions as unknown as Resource;
  const create = rawCreate(completions);
  const chat = { ...spec, path: ['chat', 'completions'] };
  const plainChat = resilientCreate(runner, create, opts, chat);
  // A chat stream reports usage only when asked (`stream_options.include_usage`);
  // without it the budget can only settle its estimate. Ask, say so once, and
  // keep the extra usage chunk from the caller: their loop sees the chunks the
  // SDK yields for the request they wrote.
  const usageChat = resilientCreate(runner, create, opts, { ...chat, deliver: withoutUsageChunk });
  const chatCreate = (body: Record<string, unknown>, requestOptions?: never) => {
    const { request, added } = ensureIncludeUsage(body);
    if (!added) return plainChat(body, requestOptions);
    (runner as { noteUsageRequested?: (model: string) => void }).noteUsageRequested?.(String(body.model ?? ''));
    return usageChat(request, requestOptions);
  };
  // `create` is replaced; every helper of these resources (parse, stream, runTools)
  // is the SDK's own, run inside the view so it reaches our `create`.
  const views: Record<string, ViewSpec> = { chat: { children: { completions: { methods: { create: chatCreate } } } } };
  const responses = at(openai, 'responses');
  if (typeof responses?.create === 'function') views.responses = { methods: { create: resilientCreate(runner, rawCreate(responses), opts, { ...spec, path: ['responses'] }) } };
  const betaResponses = at(openai, 'beta', 'responses');
  if (typeof betaResponses?.create === 'function') {
    views.beta = { children: { responses: { methods: { create: resilientCreate(runner, rawCreate(betaResponses), opts, { ...spec, path: ['beta', 'responses'] }) } } } };
  }
  const embeddings = at(openai, 'embeddings');
  if (typeof embeddings?.create === 'function') {
    // An embedding has no output tokens to reserve, and falls back only where the user said vectors match.
    const embed = { ...spec, path: ['embeddings'], fallbacks: opts.embeddingModels ?? [], run: { estimate: { outputTokens: 0 } } };
    views.embeddings = { methods: { create: resilientCreate(runner, rawCreate(embeddings), opts, embed) } };
  }
  let wrapped: C & Resilient<ResilientRunner> | undefined;
  const self = () => wrapped as object;
  const overrides: Record<string, unknown> = { resilience: runner };
  for (const [key, view] of Object.entries(views)) overrides[key] = resourceView(at(openai, key) as object, view, self);
  const withOptions = (openai as { withOptions?: unknown }).withOptions;
  // `withOptions` builds a new SDK client; wrap it too, on the same client and adapter options.
  if (typeof withOptions === 'function') overrides.withOptions = (o: unknown) => wrap(withOptions.call(openai, o) as C, runner, opts);
  wrapped = overlay(openai, overrides) as C & Resilient<ResilientRunner>;
  return wrapped;
}
