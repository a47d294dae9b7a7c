/**
 * `createFakeAnthropic`: an object that stands in for `new Anthropic()` in
 * tests — `messages.create` (streaming too) and `messages.stream` — playing the
 * scripted fake provider on the fake clock. Typed as the real `Anthropic`
 * client (a type-only import: nothing of `@anthropic-ai/sdk` is loaded at run time).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { FakeAPIError, type FakeProvider, type FakeResult } from './fake-provider.js';
import { fakeAPIPromise, fakeStream, textChunks } from './fake-sdk.js';
import { FakeMessageStream } from './fake-message-stream.js';

type Body = { model?: unknown; stream?: unknown } & Record<string, unknown>;
type Options = { signal?: AbortSignal | null } & Record<string, unknown>;

/** The provider's errors in Anthropic's shape: the whole body in `error`, a spend limit as its 429. */
function anthropicShaped(e: unknown): unknown {
  if (!(e instanceof FakeAPIError) || e.type === undefined) return e;
  const quota = e.code === 'insufficient_quota';
  const headers: Record<string, string> = {};
  e.headers.forEach((v, k) => (headers[k] = v));
  return new FakeAPIError(e.status, e.message, {
    headers,
    type: quota ? 'rate_limit_error' : e.type,
    shape: 'anthropic',
    ...(quota ? { details: { error_code: 'enforced_spend_limit_reached' } } : {}),
  });
}

/**
 * A stand-in for `new Anthropic()`. `messages.create` plays the next step of
 * the request model's script and answers with the SDK's `Message` (or, with
 * `stream: true`, a stream of the SDK's events); `messages.stream` returns a
 * `MessageStream`-like object (`on('text' | 'message' | 'error' | 'end' | …)`,
 * `finalMessage()`, `finalText()`, `done()`, `abort()`, async iteration) built,
 * as the SDK builds it, on `this.create({ ...body, stream: true })` — so it
 * works through `wrapAnthropic` too. Errors have Anthropic's shape (the body
 * in `error`, its type in `type`); a `step.quota()` is Anthropic's spend-limit 429.
 *
 * @example
 * const anthropic = createFakeAnthropic(createFakeProvider(clock, { 'claude-sonnet-4-5': [step.overloaded()] }));
 */
export function createFakeAnthropic(provider: FakeProvider): Anthropic {
  let seq = 0;
  type Create = (body: Body, options?: Options) => Promise<unknown>;
  const messages = {
    create(body: Body, options?: Options): Promise<unknown> {
      const model = String(body.model);
      const streaming = body.stream === true;
      const id = `msg_fake_${++seq}`;
      const data = provider.play(model, options?.signal).then(
        (r) => (streaming ? eventStream(id, model, r, options) : message(id, model, r)),
        (e: unknown) => Promise.reject(anthropicShaped(e)),
      );
      return fakeAPIPromise(data, streaming);
    },
    stream(this: { create: Create }, body: Body, options?: Options): FakeMessageStream {
      return new FakeMessageStream((signal) => this.create({ ...body, stream: true }, { ...options, signal }).then((s) => s as AsyncIterable<unknown>), options?.signal);
    },
  };
  return { messages } as unknown as Anthropic;
}

const usageOf = (r: FakeResult, output: number) => ({
  input_tokens: r.usage?.input_tokens ?? 0,
  output_tokens: output,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

function message(id: string, model: string, r: FakeResult) {
  if (r.streamFailure) throw anthropicShaped(r.streamFailure.error());
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: r.text, citations: null }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    ...(r.usage ? { usage: usageOf(r, r.usage.output_tokens) } : {}),
  };
}

function eventStream(id: string, model: string, r: FakeResult, options: Options | undefined) {
  const events: object[] = [
    { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usageOf(r, 1) } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
    ...textChunks(r.text).map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: r.usage?.output_tokens ?? 0 } },
    { type: 'message_stop' },
  ];
  const failure = r.streamFailure;
  const shaped: FakeResult = failure ? { ...r, streamFailure: { afterChunks: failure.afterChunks, error: () => anthropicShaped(failure.error()) } } : r;
  return fakeStream(events, shaped, (e) => (e as { type: string }).type === 'content_block_delta', options?.signal);
}
