import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../../src/client/client.js';
import { ensureIncludeUsage } from '../../../src/stream/include-usage.js';
import type { StreamSummary } from '../../../src/stream/prime.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import { type HarnessOptions, runStream } from '../../stream/harness.js';
import { drain } from '../../stream/scripted.js';
import { type SseServer, startSseServer, until } from './sse-server.js';

const chunk = (content: string) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });
const role = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null };
const usageChunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14, prompt_tokens_details: { cached_tokens: 2 } } };

let server: SseServer;
let clock: FakeClock;
let openai: OpenAI;
let summaries: [string, StreamSummary][];

beforeEach(async () => {
  server = await startSseServer();
  clock = createFakeClock();
  openai = new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
  summaries = [];
});
afterEach(async () => {
  await server.close();
});

function client(models: string[], maxRetries = 2) {
  return new ResilientClient({ models, clock, retry: { maxRetries, initialDelayMs: 10, jitter: 'none' }, breaker: false });
}

function call(c: ResilientClient, o: Partial<HarnessOptions> = {}) {
  return runStream(
    c,
    ({ model, signal }) => {
      const { request } = ensureIncludeUsage({ model, messages: [{ role: 'user' as const, content: 'hi' }], stream: true as const });
      return openai.chat.completions.create(request, { signal });
    },
    { clock, onSummary: (m, s) => summaries.push([m, s]), ...o },
  );
}

const text = (chunks: unknown[]) => chunks.map((c) => (c as typeof role).choices[0]?.delta.content ?? '').join('');

describe('OpenAI chat streams through the resilience layer (real SDK, loopback SSE)', () => {
  it('an error event as the first event is retried; usage comes from the include_usage chunk', async () => {
    const p = call(client(['gpt']));
    const first = await server.response(1);
    first.send({ error: { message: 'The server had an error', type: 'server_error' } });
    first.end();
    await until(() => first.isClosed, 'first response consumed');
    await clock.advance(10);
    const second = await server.response(2);
    expect(second.body.stream_options).toEqual({ include_usage: true });
    second.send(role);
    second.send(chunk('Hello'));
    second.send(usageChunk);
    second.done();
    const { chunks, error } = await drain(await p);
    expect(error).toBeUndefined();
    expect(text(chunks)).toBe('Hello');
    // The failed first attempt never committed: it is a failed attempt, not a stream summary.
    expect(summaries.map(([, s]) => s.outcome)).toEqual(['complete']);
    expect(summaries[0]![1].usage).toEqual({ inputTokens: 11, outputTokens: 3, cachedInputTokens: 2, cacheWriteTokens: 0, reasoningTokens: 0 });
  });

  it('an error after the first chunk is surfaced as StreamInterruptedError and not retried', async () => {
    const p = call(client(['gpt', 'gpt-b'], 3));
    const r = await server.response(1);
    r.send(role);
    r.send(chunk('Hal'));
    const stream = await p;
    r.send({ error: { message: 'overloaded', type: 'server_error' } });
    r.end();
    const { chunks, error } = await drain(stream);
    expect(text(chunks)).toBe('Hal');
    expect(error).toMatchObject({ name: 'StreamInterruptedError', code: 'STREAM_INTERRUPTED', chunks: 2, model: 'gpt' });
    expect((error as Error).cause).toBeInstanceOf(OpenAI.APIError);
    expect(server.responses).toHaveLength(1);
  });

  it('a stall mid-stream times out on the clock and aborts the HTTP request', async () => {
    const p = call(client(['gpt']), { stallTimeoutMs: 5000 });
    const r = await server.response(1);
    r.send(chunk('Hel'));
    const stream = await p;
    const out = drain(stream);
    await clock.advance(4999);
    expect(r.isClosed).toBe(false);
    await clock.advance(1);
    const { chunks, error } = await out;
    expect(text(chunks)).toBe('Hel');
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'timeout' });
    await r.closed;
    expect(clock.pending()).toBe(0);
  });

  it('a slow first token times out and falls back to the next model', async () => {
    const p = call(client(['gpt-slow', 'gpt-fast'], 0), { firstChunkTimeoutMs: 8000 });
    const slow = await server.response(1);
    slow.send(role); // headers and a role chunk, then nothing
    await clock.advance(8000);
    await slow.closed; // the slow request was aborted
    const fast = await server.response(2);
    expect(fast.body.model).toBe('gpt-fast');
    fast.send(chunk('ok'));
    fast.done();
    expect(text((await drain(await p)).chunks)).toBe('ok');
    expect(summaries.map(([m, s]) => `${m}:${s.outcome}`)).toEqual(['gpt-fast:complete']);
  });

  it('a dropped connection mid-stream is StreamInterruptedError (network)', async () => {
    const p = call(client(['gpt']));
    const r = await server.response(1);
    r.send(chunk('Hel'));
    const stream = await p;
    r.drop();
    const { error } = await drain(stream);
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'network' });
  });

  it('breaking out of the loop aborts the request and leaves no timer or listener', async () => {
    const before = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    const p = call(client(['gpt']), { stallTimeoutMs: 5000, firstChunkTimeoutMs: 5000 });
    const r = await server.response(1);
    r.send(chunk('a'));
    r.send(chunk('b'));
    for await (const c of await p) {
      if (c) break;
    }
    await r.closed;
    expect(summaries.map(([, s]) => s.outcome)).toEqual(['abandoned']);
    expect(clock.pending()).toBe(0);
    expect(process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length).toBeLessThanOrEqual(before);
  });

  it('a caller abort mid-stream ends iteration quietly, as the SDK does', async () => {
    const caller = new AbortController();
    const p = call(client(['gpt']), { signal: caller.signal, stallTimeoutMs: 5000 });
    const r = await server.response(1);
    r.send(chunk('a'));
    const out = drain(await p);
    await clock.flush();
    caller.abort();
    const { chunks, error } = await out;
    expect(text(chunks)).toBe('a');
    expect(error).toBeUndefined();
    await r.closed;
    expect(summaries.map(([, s]) => s.outcome)).toEqual(['aborted']);
  });
});

describe('OpenAI Responses streams', () => {
  it('usage is read from response.completed', async () => {
    const c = client(['gpt']);
    const p = runStream(c, ({ model, signal }) => openai.responses.create({ model, input: 'hi', stream: true }, { signal }), {
      clock,
      onSummary: (m, s) => summaries.push([m, s]),
    });
    const r = await server.response(1);
    r.send({ type: 'response.created', sequence_number: 0, response: { id: 'r', status: 'in_progress', usage: null } }, 'response.created');
    r.send({ type: 'response.output_text.delta', sequence_number: 1, item_id: 'i', output_index: 0, content_index: 0, delta: 'Hi' }, 'response.output_text.delta');
    r.send(
      { type: 'response.completed', sequence_number: 2, response: { id: 'r', status: 'completed', usage: { input_tokens: 20, output_tokens: 4, input_tokens_details: { cached_tokens: 8 }, output_tokens_details: { reasoning_tokens: 1 } } } },
      'response.completed',
    );
    r.end();
    const { chunks } = await drain(await p);
    expect(chunks).toHaveLength(3);
    expect(summaries[0]![1]).toMatchObject({ outcome: 'complete', chunks: 3, usage: { inputTokens: 20, outputTokens: 4, cachedInputTokens: 8, reasoningTokens: 1 } });
  });
});
