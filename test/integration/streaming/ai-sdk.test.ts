import { createOpenAI } from '@ai-sdk/openai';
import { streamText, wrapLanguageModel } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../../src/client/client.js';
import type { StreamSummary } from '../../../src/stream/prime.js';
import { createFakeClock, type FakeClock } from '../../../src/testing/fake-clock.js';
import { runStream } from '../../stream/harness.js';
import { type SseServer, startSseServer } from './sse-server.js';

let server: SseServer;
let clock: FakeClock;
let summaries: StreamSummary[];

beforeEach(async () => {
  server = await startSseServer();
  clock = createFakeClock();
  summaries = [];
});
afterEach(async () => {
  await server.close();
});

const chunk = (content: string) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const last = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } };

describe('AI SDK doStream through the resilience layer (real ai + @ai-sdk/openai, loopback SSE)', () => {
  function model(stallTimeoutMs?: number) {
    const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: `${server.url}/v1` });
    const client = new ResilientClient({ models: ['gpt'], clock, retry: { maxRetries: 2, initialDelayMs: 10, jitter: 'none' }, breaker: false });
    return wrapLanguageModel({
      model: provider.chat('gpt'),
      middleware: {
        wrapStream: ({ doStream }) => runStream(client, () => Promise.resolve(doStream()), { clock, stallTimeoutMs, onSummary: (_m, s) => summaries.push(s) }),
      },
    });
  }

  it('an error first is retried by us; streamText sees one clean stream and the finish usage', async () => {
    const result = streamText({ model: model(), prompt: 'hi', maxRetries: 0 });
    const textP = result.text;
    const first = await server.response(1);
    first.send({ error: { message: 'server error', type: 'server_error' } });
    first.end();
    await first.closed;
    await clock.advance(10);
    const second = await server.response(2);
    second.send(chunk('Hel'));
    second.send(chunk('lo'));
    second.send(last);
    second.done();
    expect(await textP).toBe('Hello');
    expect(summaries.at(-1)).toMatchObject({ outcome: 'complete', committed: true, usage: { inputTokens: 9, outputTokens: 2 } });
  });

  it('a stall after the first text errors the stream with StreamInterruptedError', async () => {
    const errors: unknown[] = [];
    const result = streamText({ model: model(3000), prompt: 'hi', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    const parts: string[] = [];
    const consumed = (async () => {
      try {
        for await (const t of result.textStream) parts.push(t);
      } catch (e) {
        errors.push(e);
      }
    })();
    const r = await server.response(1);
    r.send(chunk('Hel'));
    await new Promise<void>((res) => setImmediate(res));
    await clock.advance(3000);
    await consumed;
    await r.closed;
    expect(parts.join('')).toBe('Hel');
    expect(errors[0]).toMatchObject({ code: 'STREAM_INTERRUPTED', reason: 'timeout' });
    expect(server.responses).toHaveLength(1);
  });
});
