import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../../src/client/client.js';
import type { StreamSummary } from '../../../src/stream/prime.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import { runStream } from '../../stream/harness.js';
import { drain } from '../../stream/scripted.js';
import { type SseResponse, type SseServer, startSseServer } from './sse-server.js';

let server: SseServer;
let clock: FakeClock;
let anthropic: Anthropic;
let summaries: StreamSummary[];

beforeEach(async () => {
  server = await startSseServer();
  clock = createFakeClock();
  anthropic = new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.url, maxRetries: 0 });
  summaries = [];
});
afterEach(async () => {
  await server.close();
});

const client = (models: string[], maxRetries = 2) =>
  new ResilientClient({ models, clock, retry: { maxRetries, initialDelayMs: 10, jitter: 'none' }, breaker: false });

const messageStart = (model: string) => ({
  type: 'message_start',
  message: { id: 'msg_1', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, cache_read_input_tokens: 30, cache_creation_input_tokens: 5, output_tokens: 1 } },
});
const blockStart = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
const delta = (text: string) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

function send(r: SseResponse, e: { type: string }) {
  r.send(e, e.type);
}
function finish(r: SseResponse, outputTokens: number) {
  send(r, { type: 'content_block_stop', index: 0 } as { type: string });
  send(r, { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } } as { type: string });
  send(r, { type: 'message_stop' });
  r.end();
}

const params = (model: string) => ({ model, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] });

describe('Anthropic streams through the resilience layer (real SDK, loopback SSE)', () => {
  it('overloaded_error after message_start (before any text) is retried, not committed', async () => {
    const p = runStream(client(['claude']), ({ model, signal }) => anthropic.messages.create({ ...params(model), stream: true }, { signal }), {
      clock,
      onSummary: (_m, s) => summaries.push(s),
    });
    const first = await server.response(1);
    send(first, messageStart('claude'));
    first.send(overloaded, 'error');
    first.end();
    await first.closed;
    await clock.advance(10);
    const second = await server.response(2);
    send(second, messageStart('claude'));
    send(second, blockStart);
    send(second, delta('Hello'));
    finish(second, 7);
    const { chunks, error } = await drain(await p);
    expect(error).toBeUndefined();
    expect(chunks.map((c) => (c as { type: string }).type)).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    // The failed first attempt never committed: it is a failed attempt, not a stream summary.
    expect(summaries.map((s) => s.outcome)).toEqual(['complete']);
    expect(summaries[0]!.usage).toEqual({ inputTokens: 45, outputTokens: 7, cachedInputTokens: 30, cacheWriteTokens: 5, reasoningTokens: 0 });
  });

  it('overloaded_error after text is a StreamInterruptedError, with what was received', async () => {
    const stream = runStream(client(['claude', 'other'], 3), ({ model, signal }) => anthropic.messages.create({ ...params(model), stream: true }, { signal }), {
      clock,
      onSummary: (_m, s) => summaries.push(s),
    });
    const r = await server.response(1);
    send(r, messageStart('claude'));
    send(r, delta('Half an ans'));
    const s = await stream;
    r.send(overloaded, 'error');
    r.end();
    const { error } = await drain(s);
    expect(error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'overloaded', chunks: 2, received: { usage: { inputTokens: 45 } } });
    expect((error as Error).message).not.toContain('Half');
    expect(server.responses).toHaveLength(1);
  });

  it('a MessageStream keeps finalMessage() and its events; iteration is watched', async () => {
    const texts: string[] = [];
    const p = runStream(
      client(['claude']),
      async ({ model, signal }) => anthropic.messages.stream(params(model), { signal }).on('text', (t) => texts.push(t)),
      { clock, onSummary: (_m, s) => summaries.push(s) },
    );
    const r = await server.response(1);
    send(r, messageStart('claude'));
    send(r, blockStart);
    send(r, delta('Hel'));
    const stream = await p;
    send(r, delta('lo'));
    finish(r, 2);
    const { chunks } = await drain(stream);
    expect(chunks).toHaveLength(7);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello', citations: null }].map((b) => expect.objectContaining({ type: b.type, text: b.text })));
    expect(texts.join('')).toBe('Hello');
    expect(stream.controller).toBeInstanceOf(AbortController);
    expect(summaries[0]).toMatchObject({ outcome: 'complete', usage: { outputTokens: 2 } });
  });

  it('an error event that reaches a MessageStream between two reads is surfaced, not reported as complete', async () => {
    const p = runStream(client(['claude']), async ({ model, signal }) => anthropic.messages.stream(params(model), { signal }), {
      clock,
      onSummary: (_m, s) => summaries.push(s),
    });
    const r = await server.response(1);
    send(r, messageStart('claude'));
    send(r, blockStart);
    send(r, delta('Hel'));
    const stream = await p;
    const it = stream[Symbol.asyncIterator]();
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) seen.push((await it.next()).value); // message_start, block start, 'Hel'
    // Nobody reads while the error arrives: the SDK's own iterator would just end.
    r.send(overloaded, 'error');
    r.end();
    await r.closed;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rest = await it.next().then(
      (x) => ({ done: x.done, error: undefined }),
      (error: unknown) => ({ done: undefined, error }),
    );
    expect(seen).toHaveLength(3);
    expect(rest.error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'overloaded' });
    expect(summaries.map((s) => s.outcome)).toEqual(['failed']); // not 'complete'
  });

  it('a stall on a MessageStream aborts it: finalMessage() rejects as the SDK does on abort', async () => {
    const p = runStream(client(['claude']), async ({ model, signal }) => anthropic.messages.stream(params(model), { signal }), {
      clock,
      stallTimeoutMs: 2000,
      onSummary: (_m, s) => summaries.push(s),
    });
    const r = await server.response(1);
    send(r, messageStart('claude'));
    send(r, blockStart);
    send(r, delta('Hel'));
    const stream = await p;
    const out = drain(stream);
    await clock.advance(2000);
    expect((await out).error).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'timeout' });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await r.closed;
    expect(clock.pending()).toBe(0);
  });
});
