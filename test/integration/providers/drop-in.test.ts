// What "drop-in" promises, against the real SDKs on the loopback server: the
// caller gets what the raw SDK gives for the request they wrote.
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError, isDisposedError, withRunOptions } from '../../../src/index.js';
import { RUN_OPTIONS_KEY, resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { createFakeClock } from '../../../src/testing/index.js';
import { type Harness, harness } from './helpers.js';
import { type ProviderServer, openaiRateLimitHeaders, replies, startProviderServer } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let h: Harness | undefined;
let extra: ProviderServer | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  await extra?.close();
  h = extra = undefined;
});

async function setup() {
  h = await harness(['gpt-a', 'gpt-b'], { budget: { task: { maxTokens: 100_000 } } });
  const rawOpenAI = new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL, maxRetries: 0 });
  const rawAnthropic = new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL, maxRetries: 0 });
  return { ...h, rawOpenAI, rawAnthropic, openai: wrapOpenAI(rawOpenAI, h.client), anthropic: wrapAnthropic(rawAnthropic, h.client) };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('the OpenAI chat stream the caller sees', () => {
  it('is chunk for chunk what the raw SDK yields for their request; the usage chunk the wrapper asked for is read, not delivered', async () => {
    const { openai, rawOpenAI, server, client } = await setup();
    const usage: { inputTokens: number; outputTokens: number }[] = [];
    client.on('budget:usage', (e) => usage.push({ inputTokens: e.inputTokens, outputTokens: e.outputTokens }));
    // What the API sends: without include_usage no usage chunk; with it, one more chunk, choices: [].
    server.script({ model: 'gpt-a' }, [
      replies.openaiChatStream({ model: 'gpt-a', chunks: ['Hel', 'lo'] }),
      replies.openaiChatStream({ model: 'gpt-a', chunks: ['Hel', 'lo'], usage: { input: 21, output: 2 } }),
    ]);
    const raw = await collect(await rawOpenAI.chat.completions.create({ model: 'gpt-a', messages, stream: true }));
    const stream = await openai.chat.completions.create({ model: 'gpt-a', messages, stream: true });
    let text = '';
    const seen: unknown[] = [];
    for await (const chunk of stream) {
      seen.push(chunk);
      text += chunk.choices[0]!.delta.content ?? ''; // the common loop: throws on a `choices: []` chunk
    }
    expect(text).toBe('Hello');
    expect(seen).toEqual(raw);
    expect(server.requests[1]!.body.stream_options).toEqual({ include_usage: true });
    expect(usage).toEqual([{ inputTokens: 21, outputTokens: 2 }]);
  });

  it('is still an SDK Stream: toReadableStream() works and also leaves the usage chunk out', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.openaiChatStream({ model: 'gpt-a', chunks: ['a'], usage: { input: 3, output: 1 } })]);
    const stream = await openai.chat.completions.create({ model: 'gpt-a', messages, stream: true });
    expect(stream).toBeInstanceOf((await import('openai/streaming')).Stream);
    const text = await new Response(stream.toReadableStream()).text();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { choices: unknown[] });
    expect(lines.length).toBe(2);
    expect(lines.every((l) => l.choices.length === 1)).toBe(true);
  });
});

describe('.asResponse()', () => {
  it('openai: the winning attempt’s status and headers, with the parsed body readable again', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    server.script({ model: 'gpt-b' }, [replies.success('openai-chat', { model: 'gpt-b', text: 'from b', headers: openaiRateLimitHeaders({ remainingRequests: 5 }) })]);
    const response = await openai.chat.completions.create({ model: 'gpt-a', messages }).asResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('5');
    const body = (await response.json()) as OpenAI.ChatCompletion;
    expect(body.model).toBe('gpt-b');
    expect(body.choices[0]!.message.content).toBe('from b');
  });

  it('anthropic stream: every event the SDK parsed, as server-sent events', async () => {
    const { anthropic, server } = await setup();
    server.script({ path: '/v1/messages' }, [replies.anthropicStream({ model: 'claude-a', chunks: ['Hi', '!'] })]);
    const response = await anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages, stream: true }).asResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text).toContain('event: content_block_delta\ndata: {"type":"content_block_delta"');
    expect(text.match(/^event: /gm)).toHaveLength(7);
  });
});

describe('the options form exposes its client', () => {
  it('wrapOpenAI(sdk, { models }) has `resilience`: events, budget, dispose()', async () => {
    const clock = createFakeClock();
    extra = await startProviderServer({ now: () => clock.now() });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: extra.openaiBaseURL }), {
      models: ['gpt-a'],
      clock,
      monitor: false,
      budget: { day: { maxTokens: 100_000 } },
    });
    const models: string[] = [];
    openai.resilience.on('success', (e) => models.push(e.model));
    await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(models).toEqual(['gpt-a']);
    expect(openai.resilience.budget).toBeDefined();
    openai.resilience.dispose();
    const err = await openai.chat.completions.create({ model: 'gpt-a', messages }).catch((e: unknown) => e);
    expect(isDisposedError(err)).toBe(true);
  });

  it('the middleware built from options has `resilience` too', () => {
    const middleware = resilienceMiddleware({ models: ['gpt-a'], monitor: false });
    expect(middleware.resilience.models).toEqual(['gpt-a']);
    middleware.resilience.dispose();
  });
});

describe('per-call run options, passed with the call', () => {
  it('withRunOptions: the taskId reaches the events, the SDK never sees it, and it wins over the runOptions hook', async () => {
    const { client, rawOpenAI, server } = await setup();
    const openai = wrapOpenAI(rawOpenAI, client, { runOptions: () => ({ taskId: 'from-hook', estimate: undefined }) });
    const taskIds: (string | undefined)[] = [];
    client.on('success', (e) => taskIds.push(e.taskId));
    const controller = new AbortController();
    await openai.chat.completions.create({ model: 'gpt-a', messages }, withRunOptions({ taskId: 'ticket-42' }, { signal: controller.signal, headers: { 'x-trace': '1' } }));
    await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(taskIds).toEqual(['ticket-42', 'from-hook']);
    expect(server.requests[0]!.headers['x-trace']).toBe('1');
    expect(Object.keys(server.requests[0]!.body).sort()).toEqual(['messages', 'model']);
  });

  it('an unwrapped SDK ignores them', async () => {
    const { rawOpenAI, server } = await setup();
    const res = await rawOpenAI.chat.completions.create({ model: 'gpt-a', messages }, withRunOptions({ taskId: 'ticket-42' }));
    expect(res.choices[0]!.message.content).toBe('ok');
    expect(server.requests).toHaveLength(1);
  });

  it('reach messages.stream too, and are validated like run options', async () => {
    const { client, anthropic, server } = await setup();
    const taskIds: (string | undefined)[] = [];
    client.on('success', (e) => taskIds.push(e.taskId));
    server.script({ path: '/v1/messages' }, [replies.anthropicStream({ model: 'claude-a' })]);
    const final = await anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages }, withRunOptions({ taskId: 'stream-task' })).finalMessage();
    expect(final.content[0]).toMatchObject({ text: 'Hello' });
    expect(taskIds).toEqual(['stream-task']);
    const err = await anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages }, withRunOptions({ estimate: { outputTokens: -1 } })).catch((e: unknown) => e);
    expect(isConfigError(err) && err.issues[0]!.path).toBe('run.estimate.outputTokens');
  });

  it('AI SDK: providerOptions under the llm-resilience key', async () => {
    const { client, server } = await setup();
    const taskIds: (string | undefined)[] = [];
    client.on('success', (e) => taskIds.push(e.taskId));
    const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: server.openaiBaseURL });
    const model = wrapLanguageModel({ model: provider.chat('gpt-a'), middleware: resilienceMiddleware(client) });
    await generateText({ model, prompt: 'hi', maxRetries: 0, providerOptions: { [RUN_OPTIONS_KEY]: { taskId: 'ai-task' } } });
    expect(taskIds).toEqual(['ai-task']);
  });
});
