/**
 * `stream.firstChunkTimeoutMs` counts from the attempt's start on every road a
 * streamed call takes (the AI SDK middleware, `wrapOpenAI` with `stream: true`,
 * `wrapAnthropic`), for a primary that (a) sends headers and then nothing, and
 * (b) never sends headers at all. The real SDKs talk to a loopback server; the
 * primary is cut at the limit and the fallback answers.
 */
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../../src/client/client.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type FakeClock, createFakeClock } from '../../../src/testing/fake-clock.js';
import { type SseResponse, type SseServer, startSseServer, until } from './sse-server.js';

const FIRST_CHUNK_MS = 1_000;

let server: SseServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const openaiChunk = (content: string, finish: string | null = null) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-b',
  choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }],
});

function answerOpenAI(r: SseResponse, text: string): void {
  r.send(openaiChunk(text));
  r.send({ ...openaiChunk('', 'stop'), usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
  r.done();
}

function answerAnthropic(r: SseResponse, text: string): void {
  const send = (e: { type: string }) => r.send(e, e.type);
  send({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-b', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } } as { type: string });
  send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string });
  send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } as { type: string });
  send({ type: 'content_block_stop', index: 0 } as { type: string });
  send({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 1 } } as { type: string });
  send({ type: 'message_stop' });
  r.end();
}

interface Road {
  readonly name: string;
  readonly models: readonly [string, string];
  /** Starts one streamed call and resolves with its whole text. */
  start(client: ResilientClient, url: string, clock: FakeClock): Promise<string>;
  answer(r: SseResponse, text: string): void;
}

const roads: readonly Road[] = [
  {
    name: 'the AI SDK middleware (streamText)',
    models: ['gpt-a', 'gpt-b'],
    async start(client, url, clock) {
      const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${url}/v1` });
      const middleware = resilienceMiddleware(client, { clock, models: { 'gpt-b': provider.chat('gpt-b') } });
      const result = streamText({ model: wrapLanguageModel({ model: provider.chat('gpt-a'), middleware }), prompt: 'hi' });
      return result.text;
    },
    answer: answerOpenAI,
  },
  {
    name: 'wrapOpenAI with stream: true',
    models: ['gpt-a', 'gpt-b'],
    async start(client, url) {
      const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${url}/v1` }), client);
      const stream = await openai.chat.completions.create({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      return text;
    },
    answer: answerOpenAI,
  },
  {
    name: 'wrapAnthropic messages.stream',
    models: ['claude-a', 'claude-b'],
    async start(client, url) {
      const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: url }), client);
      const stream = anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
      return (await stream.finalText());
    },
    answer: answerAnthropic,
  },
];

describe.each(roads)('firstChunkTimeoutMs through $name', (road) => {
  describe.each([
    { primary: 'sends headers, then nothing', withoutHeaders: false },
    { primary: 'never sends headers', withoutHeaders: true },
  ])('a primary that $primary', ({ withoutHeaders }) => {
    it('is cut at the limit, counted as a timeout, and the fallback answers', async () => {
      server = await startSseServer({ withoutHeaders: (n) => withoutHeaders && n === 1 });
      const clock = createFakeClock();
      const client = new ResilientClient({ models: [...road.models], clock, retry: { maxRetries: 0 }, breaker: false, monitor: false, stream: { firstChunkTimeoutMs: FIRST_CHUNK_MS } });
      const failures: { model: string; kind: string; latencyMs: number }[] = [];
      const fallbacks: { from: string; to: string; reason: string }[] = [];
      client.on('failure', (e) => failures.push({ model: e.model, kind: e.kind, latencyMs: e.latencyMs }));
      client.on('fallback', (e) => fallbacks.push({ from: e.from, to: e.to, reason: e.reason }));

      const text = road.start(client, server.url, clock);
      text.catch(() => {});
      const first = await server.response(1);
      await clock.advance(FIRST_CHUNK_MS - 1);
      expect(server.responses).toHaveLength(1); // not before the limit
      await clock.advance(1);
      const second = await server.response(2);
      road.answer(second, 'Hello');

      expect(await text).toBe('Hello');
      await until(() => first.isClosed, 'the primary request to be aborted');
      expect(server.responses.map((r) => r.body.model)).toEqual([...road.models]);
      expect(failures).toEqual([{ model: road.models[0], kind: 'timeout', latencyMs: FIRST_CHUNK_MS }]);
      expect(fallbacks).toEqual([{ from: road.models[0], to: road.models[1], reason: 'timeout' }]);
      client.dispose();
    });
  });
});

describe('firstChunkTimeoutMs leaves calls that do not stream alone', () => {
  it('generateText through the middleware and a plain create wait past the limit (until the caller aborts)', async () => {
    server = await startSseServer({ withoutHeaders: () => true });
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['gpt-a'], clock, retry: { maxRetries: 0 }, breaker: false, monitor: false, stream: { firstChunkTimeoutMs: FIRST_CHUNK_MS } });
    const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` }), client);
    const abort = new AbortController();
    const calls = [
      generateText({ model: wrapLanguageModel({ model: provider.chat('gpt-a'), middleware: resilienceMiddleware(client) }), prompt: 'hi', abortSignal: abort.signal }),
      openai.chat.completions.create({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] }, { signal: abort.signal }),
    ].map((p) => Promise.resolve(p).then(() => 'resolved', () => 'rejected'));
    await server.response(2);
    await clock.advance(FIRST_CHUNK_MS * 10);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.responses.map((r) => r.isClosed)).toEqual([false, false]);
    abort.abort();
    expect(await Promise.all(calls)).toEqual(['rejected', 'rejected']);
    expect(server.responses).toHaveLength(2);
    client.dispose();
  });
});
