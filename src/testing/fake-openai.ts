/**
 * `createFakeOpenAI`: an object that stands in for `new OpenAI()` in tests —
 * `chat.completions.create` (streaming too) and `responses.create` — playing
 * the scripted fake provider on the fake clock. Typed as the real `OpenAI`
 * client (a type-only import: nothing of `openai` is loaded at run time).
 */
import type OpenAI from 'openai';
import type { FakeProvider, FakeResult } from './fake-provider.js';
import { fakeAPIPromise, fakeStream, textChunks } from './fake-sdk.js';

type Body = { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } | null };
type Options = { signal?: AbortSignal | null } | undefined;

const CREATED = 1_767_225_600;

/**
 * A stand-in for `new OpenAI()`. `chat.completions.create` and
 * `responses.create` play the next step of the request model's script:
 * the SDK's response shapes on success (usage from the step; a chat stream
 * ends with the `choices: []` usage chunk only when the request set
 * `stream_options.include_usage`), the SDK's error shapes on failure. Any other
 * member of the client is absent. Pass it wherever your code takes an `OpenAI`.
 *
 * @example
 * const openai = createFakeOpenAI(createFakeProvider(clock, { 'gpt-4.1': [step.rateLimit({ retryAfter: 2 }), step.success({ text: 'hi' })] }));
 * const answer = await myAgent(wrapOpenAI(openai, client));
 */
export function createFakeOpenAI(provider: FakeProvider): OpenAI {
  let seq = 0;
  const chatCreate = (body: Body, options?: Options) => {
    const model = String(body.model);
    const streaming = body.stream === true;
    const id = `chatcmpl-fake-${++seq}`;
    const data = provider.play(model, options?.signal).then((r) => (streaming ? chatStream(id, model, r, body, options) : chatCompletion(id, model, r)));
    return fakeAPIPromise(data, streaming);
  };
  const responsesCreate = (body: Body, options?: Options) => {
    const model = String(body.model);
    const streaming = body.stream === true;
    const id = `resp_fake_${++seq}`;
    const data = provider.play(model, options?.signal).then((r) => (streaming ? responseStream(id, model, r, options) : response(id, model, r)));
    return fakeAPIPromise(data, streaming);
  };
  return { chat: { completions: { create: chatCreate } }, responses: { create: responsesCreate } } as unknown as OpenAI;
}

function failIfNotStreaming(r: FakeResult): void {
  if (r.streamFailure) throw r.streamFailure.error();
}

const chatUsage = (r: FakeResult) =>
  r.usage ? { usage: { prompt_tokens: r.usage.input_tokens, completion_tokens: r.usage.output_tokens, total_tokens: r.usage.input_tokens + r.usage.output_tokens } } : {};

function chatCompletion(id: string, model: string, r: FakeResult) {
  failIfNotStreaming(r);
  return {
    id,
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    ...chatUsage(r),
  };
}

function chatStream(id: string, model: string, r: FakeResult, body: Body, options: Options) {
  const base = { id, object: 'chat.completion.chunk', created: CREATED, model };
  const choice = (delta: object, finish: string | null) => ({ ...base, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  const chunks: object[] = [choice({ role: 'assistant', content: '' }, null), ...textChunks(r.text).map((t) => choice({ content: t }, null)), choice({}, 'stop')];
  if (body.stream_options?.include_usage === true && r.usage) chunks.push({ ...base, choices: [], ...chatUsage(r) });
  return fakeStream(chunks, r, (c) => typeof (c as { choices?: { delta?: { content?: unknown } }[] }).choices?.[0]?.delta?.content === 'string' && (c as { choices: { delta: { content: string } }[] }).choices[0]!.delta.content !== '', options?.signal);
}

function responseBody(id: string, model: string, r: FakeResult, status: 'completed' | 'in_progress') {
  return {
    id,
    object: 'response',
    created_at: CREATED,
    status,
    model,
    output: status === 'completed' ? [{ type: 'message', id: `msg_${id}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: r.text, annotations: [] }] }] : [],
    output_text: status === 'completed' ? r.text : '',
    ...(r.usage && status === 'completed'
      ? {
          usage: {
            input_tokens: r.usage.input_tokens,
            output_tokens: r.usage.output_tokens,
            total_tokens: r.usage.input_tokens + r.usage.output_tokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens_details: { reasoning_tokens: 0 },
          },
        }
      : {}),
  };
}

function response(id: string, model: string, r: FakeResult) {
  failIfNotStreaming(r);
  return responseBody(id, model, r, 'completed');
}

function responseStream(id: string, model: string, r: FakeResult, options: Options) {
  let n = 0;
  const events: object[] = [
    { type: 'response.created', sequence_number: n++, response: responseBody(id, model, r, 'in_progress') },
    ...textChunks(r.text).map((delta) => ({ type: 'response.output_text.delta', item_id: `msg_${id}`, output_index: 0, content_index: 0, delta, sequence_number: n++ })),
    { type: 'response.completed', sequence_number: n++, response: responseBody(id, model, r, 'completed') },
  ];
  return fakeStream(events, r, (e) => (e as { type: string }).type === 'response.output_text.delta', options?.signal);
}
