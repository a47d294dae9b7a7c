import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { streamText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../../src/client/client.js';
import type { ResilienceEvents } from '../../../src/client/events-map.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { isStreamInterruptedError } from '../../../src/stream/errors.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import { type SseResponse, type SseServer, startSseServer, until } from './sse-server.js';

/** The intended answer, as the provider streams it; a fault cuts it after `cut` deltas. */
const ANSWER = ['Hel', 'lo, ', 'wor', 'ld! ', 'Bye.'];
const INTENDED = ANSWER.join('');
const FAULTS = { first: 1, middle: 2, last: ANSWER.length } as const;

let server: SseServer;
let clock: FakeClock;
let client: ResilientClient;
let resumed: ResilienceEvents['stream:resumed'][];
let refused: ResilienceEvents['stream:resume-refused'][];

beforeEach(async () => {
  server = await startSseServer();
  clock = createFakeClock();
  client = new ResilientClient({ models: ['m1', 'm2'], clock, retry: { maxRetries: 1, initialDelayMs: 10, jitter: 'none' }, breaker: false, stream: { resume: true } });
  resumed = [];
  refused = [];
  client.on('stream:resumed', (e) => resumed.push(e));
  client.on('stream:resume-refused', (e) => refused.push(e));
});
afterEach(async () => {
  await client.dispose();
  await server.close();
});

/** Splits the rest of the answer into deltas of at most 4 characters, as a provider would. */
/** Reads a stream to its end; what it threw (undefined when it ended cleanly). */
async function drainError(stream: PromiseLike<AsyncIterable<unknown>>): Promise<unknown> {
  try {
    for await (const _ of await stream) {
      /* drain */
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

const pieces = (text: string) => text.match(/[\s\S]{1,4}/g) ?? [];

// --- Anthropic Messages ---------------------------------------------------------------------
const a = {
  start: (r: SseResponse, usage = 10) =>
    r.send({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm1', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage, output_tokens: 1 } } }, 'message_start'),
  block: (r: SseResponse) => r.send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
  delta: (r: SseResponse, text: string) => r.send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta'),
  finish: (r: SseResponse, out: number) => {
    r.send({ type: 'content_block_stop', index: 0 }, 'content_block_stop');
    r.send({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: out } }, 'message_delta');
    r.send({ type: 'message_stop' }, 'message_stop');
    r.end();
  },
};

/** First response: the answer up to `cut` deltas, then a dropped connection. Second: checks the prefill, sends the rest. */
async function anthropicScript(cut: number): Promise<Record<string, unknown>> {
  const first = await server.response(1);
  a.start(first);
  a.block(first);
  for (const t of ANSWER.slice(0, cut)) a.delta(first, t);
  // An error event in the 200 stream: it reaches the SDK after the deltas, whatever the timing.
  first.send({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
  first.end();
  const second = await server.response(2);
  const messages = second.body.messages as { role: string; content: string }[];
  const prefill = messages.at(-1)!;
  expect(prefill.role).toBe('assistant');
  // The prefill is the delivered text, trailing whitespace cut (the API rejects it)…
  expect(prefill.content).toBe(ANSWER.slice(0, cut).join('').trimEnd());
  a.start(second, 20);
  a.block(second);
  // …and the model writes that whitespace again: the splice must drop it.
  for (const t of pieces(INTENDED.slice(prefill.content.length))) a.delta(second, t);
  a.finish(second, 9);
  return second.body;
}

const anthropicText = (events: unknown[]) =>
  events.map((e) => ((e as { type: string; delta?: { text?: string } }).type === 'content_block_delta' ? (e as { delta: { text: string } }).delta.text : '')).join('');

describe.each(Object.entries(FAULTS))('Anthropic stream resumed after a fault at the %s chunk (real SDK, loopback)', (_where, cut) => {
  const params = { model: 'm1', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

  it('wrapped messages.create({ stream: true }): one stream, the whole answer, one text block', async () => {
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url }), client);
    const script = anthropicScript(cut);
    const events: unknown[] = [];
    for await (const e of await anthropic.messages.create({ ...params, stream: true })) events.push(e);
    await script;
    expect(anthropicText(events)).toBe(INTENDED);
    const types = events.map((e) => (e as { type: string }).type);
    expect(types.filter((t) => t === 'message_start')).toHaveLength(1);
    expect(types.filter((t) => t === 'content_block_start')).toHaveLength(1);
    expect(events.every((e) => (e as { index?: number }).index === undefined || (e as { index: number }).index === 0)).toBe(true);
    expect(resumed).toMatchObject([{ model: 'm1', resumedOn: 'm1', resume: 1, reason: 'overloaded', afterChars: ANSWER.slice(0, cut).join('').length }]);
    expect(refused).toEqual([]);
  });

  it('wrapped messages.stream().finalMessage() sees one message with the whole answer and the last part’s stop reason', async () => {
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url }), client);
    const script = anthropicScript(cut);
    const message = await anthropic.messages.stream(params).finalMessage();
    await script;
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: 'text', text: INTENDED });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(9);
  });

  it('client.run with the context request: the continuation runs the same function', async () => {
    const sdk = new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url, maxRetries: 0 });
    const request = { ...params, stream: true as const };
    const script = anthropicScript(cut);
    const stream = await client.run(({ model, signal, request: r }) => sdk.messages.create({ ...(r as typeof request), model }, { signal }), { request });
    const events: unknown[] = [];
    for await (const e of stream) events.push(e);
    const body = await script;
    expect(anthropicText(events)).toBe(INTENDED);
    expect((body.messages as unknown[]).length).toBe(2);
  });
});

// --- OpenAI chat completions -----------------------------------------------------------------
const o = {
  role: { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm1', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null },
  chunk: (id: string, content: string) => ({ id, object: 'chat.completion.chunk', created: 1, model: 'm1', choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null }),
  stop: (id: string) => ({ id, object: 'chat.completion.chunk', created: 1, model: 'm1', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null }),
  usage: (id: string) => ({ id, object: 'chat.completion.chunk', created: 1, model: 'm1', choices: [], usage: { prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 } }),
};

async function openaiScript(cut: number, usageChunk = true): Promise<Record<string, unknown>> {
  const first = await server.response(1);
  first.send(o.role);
  for (const t of ANSWER.slice(0, cut)) first.send(o.chunk('c1', t));
  first.send({ error: { message: 'The server had an error', type: 'server_error' } });
  first.end();
  const second = await server.response(2);
  const messages = second.body.messages as { role: string; content: string }[];
  // The partial answer as the assistant's message, then the instruction to go on.
  expect(messages.at(-2)).toEqual({ role: 'assistant', content: ANSWER.slice(0, cut).join('') });
  expect(messages.at(-1)!.role).toBe('user');
  second.send({ ...o.role, id: 'c2' });
  for (const t of pieces(INTENDED.slice(ANSWER.slice(0, cut).join('').length))) second.send(o.chunk('c2', t));
  second.send(o.stop('c2'));
  if (usageChunk) second.send(o.usage('c2'));
  second.done();
  return second.body;
}

const chatText = (chunks: unknown[]) => chunks.map((c) => (c as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');

describe.each(Object.entries(FAULTS))('OpenAI chat stream resumed after a fault at the %s chunk (real SDK, loopback)', (_where, cut) => {
  const params = { model: 'm1', messages: [{ role: 'user' as const, content: 'hi' }] };

  it('wrapped chat.completions.create({ stream: true }): one id, the whole answer', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` }), client);
    const script = openaiScript(cut);
    const chunks: unknown[] = [];
    for await (const c of await openai.chat.completions.create({ ...params, stream: true })) chunks.push(c);
    await script;
    expect(chatText(chunks)).toBe(INTENDED);
    expect(new Set(chunks.map((c) => (c as { id: string }).id))).toEqual(new Set(['c1']));
    expect(resumed).toMatchObject([{ model: 'm1', resumedOn: 'm1', resume: 1, afterChars: ANSWER.slice(0, cut).join('').length, usageEstimated: true }]);
  });

  it('wrapped chat.completions.stream().finalChatCompletion() holds the whole answer and the last part’s finish reason', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` }), client);
    const script = openaiScript(cut);
    const completion = await openai.chat.completions.stream(params).finalChatCompletion();
    await script;
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.message.content).toBe(INTENDED);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
  });

  it('client.run with the context request', async () => {
    const sdk = new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const request = { ...params, stream: true as const };
    const script = openaiScript(cut, false);
    const stream = await client.run(({ model, signal, request: r }) => sdk.chat.completions.create({ ...(r as typeof request), model }, { signal }), { request });
    const chunks: unknown[] = [];
    for await (const c of stream) chunks.push(c);
    await script;
    expect(chatText(chunks)).toBe(INTENDED);
  });
});

// --- AI SDK middleware ----------------------------------------------------------------------
describe.each(Object.entries(FAULTS))('AI SDK streamText resumed after a fault at the %s chunk (real ai, loopback)', (_where, cut) => {
  it('textStream and text read the whole answer once', async () => {
    const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` });
    const model = wrapLanguageModel({ model: provider.chat('m1'), middleware: resilienceMiddleware(client) });
    const script = openaiScript(cut);
    const result = streamText({ model, prompt: 'hi', maxRetries: 0 });
    let seen = '';
    for await (const t of result.textStream) seen += t;
    const body = await script;
    expect(seen).toBe(INTENDED);
    expect(await result.text).toBe(INTENDED);
    expect(await result.finishReason).toBe('stop');
    expect((body.messages as unknown[]).length).toBe(3);
  });
});

// --- A dropped connection (undici's `TypeError: terminated`) ---------------------------------
describe('a connection dropped mid-answer is continued too', () => {
  it('Anthropic: the caller has read two deltas when the socket is destroyed', async () => {
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url }), client);
    const events: unknown[] = [];
    const reading = (async () => {
      for await (const e of await anthropic.messages.create({ model: 'm1', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true })) events.push(e);
    })();
    const first = await server.response(1);
    a.start(first);
    a.block(first);
    a.delta(first, ANSWER[0]!);
    a.delta(first, ANSWER[1]!);
    await until(() => events.length === 4, 'two deltas read');
    first.drop();
    const second = await server.response(2);
    const prefill = (second.body.messages as { content: string }[]).at(-1)!.content;
    expect(prefill).toBe('Hello,');
    a.start(second);
    a.block(second);
    for (const t of pieces(INTENDED.slice(prefill.length))) a.delta(second, t);
    a.finish(second, 9);
    await reading;
    expect(anthropicText(events)).toBe(INTENDED);
    expect(resumed).toMatchObject([{ reason: 'network', afterChars: 7 }]);
  });

  it('OpenAI chat: the caller has read two chunks when the socket is destroyed', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` }), client);
    const chunks: unknown[] = [];
    const reading = (async () => {
      for await (const c of await openai.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], stream: true })) chunks.push(c);
    })();
    const first = await server.response(1);
    first.send(o.role);
    first.send(o.chunk('c1', ANSWER[0]!));
    first.send(o.chunk('c1', ANSWER[1]!));
    await until(() => chunks.length === 3, 'two chunks read');
    first.drop();
    const second = await server.response(2);
    expect((second.body.messages as unknown[]).at(-2)).toEqual({ role: 'assistant', content: 'Hello, ' });
    for (const t of pieces(INTENDED.slice(7))) second.send(o.chunk('c2', t));
    second.send(o.stop('c2'));
    second.send(o.usage('c2'));
    second.done();
    await reading;
    expect(chatText(chunks)).toBe(INTENDED);
    expect(resumed).toMatchObject([{ reason: 'network' }]);
  });
});

// --- Refusals ---------------------------------------------------------------------------------
describe('streams that cannot be continued end as before, with the reason', () => {
  it('an Anthropic tool call cut mid-arguments: StreamInterruptedError with resumeRefused tool-call; nothing is resent', async () => {
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url }), client);
    const stream = anthropic.messages.create({ model: 'm1', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true });
    const first = await server.response(1);
    a.start(first);
    first.send({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't1', name: 'f', input: {} } }, 'content_block_start');
    first.send({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }, 'content_block_delta');
    first.send({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
    first.end();
    const error = await drainError(stream);
    expect(isStreamInterruptedError(error)).toBe(true);
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('tool-call');
    expect(refused).toMatchObject([{ model: 'm1', reason: 'tool-call' }]);
    expect(server.responses).toHaveLength(1);
  });

  it('OpenAI structured output (json_schema) is refused as structured-output', async () => {
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` }), client);
    const stream = openai.chat.completions.create({
      model: 'm1',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
    });
    const first = await server.response(1);
    first.send(o.chunk('c1', '{"a":'));
    first.send({ error: { message: 'The server had an error', type: 'server_error' } });
    first.end();
    const error = await drainError(stream);
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('structured-output');
    expect(server.responses).toHaveLength(1);
  });

  it('a continuation that cannot start on any model: the original error, continuation-failed', async () => {
    const noRetry = new ResilientClient({ models: ['m1', 'm2'], clock, retry: false, breaker: false, stream: { resume: true } });
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url }), noRetry);
    const stream = anthropic.messages.create({ model: 'm1', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true });
    const first = await server.response(1);
    a.start(first);
    a.block(first);
    a.delta(first, 'Hel');
    first.send({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
    first.end();
    const failStart = async (n: number) => {
      const r = await server.response(n);
      r.send({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error');
      r.end();
    };
    const drained = drainError(stream);
    // m1, then m2: every start fails before a content chunk.
    await failStart(2);
    await failStart(3);
    const error = await drained;
    expect(isStreamInterruptedError(error)).toBe(true);
    expect((error as { model: string; resumeRefused?: string }).model).toBe('m1');
    expect((error as { resumeRefused?: string }).resumeRefused).toBe('continuation-failed');
    expect(server.responses.map((r) => r.body.model)).toEqual(['m1', 'm1', 'm2']);
    await noRetry.dispose();
  });
});
