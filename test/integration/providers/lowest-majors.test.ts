/**
 * The lowest supported major of each SDK, in the normal suite so CI covers it:
 * `openai` 6 (what `npm install openai` gives on Node 20) and the
 * `@anthropic-ai/sdk` 0.x line that LangChain bundles, both wrapped and talking
 * to the loopback server. The newest majors are covered by openai.test.ts and
 * anthropic.test.ts; the AI SDK majors by ai-sdk-versions.test.ts. The
 * helpers, beta resources, embeddings and withOptions are covered on these
 * majors too: each sends its requests only through the pipeline.
 */
import Anthropic0 from 'anthropic0';
import OpenAI6 from 'openai6';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, countingRunner, drive, harness } from './helpers.js';
import { type Wire, openaiRateLimitHeaders, replies } from './server.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('wrapOpenAI with openai 6', () => {
  async function setup(models = ['gpt-a', 'gpt-b']) {
    h = await harness(models);
    const limits: number[] = [];
    const raw = new OpenAI6({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL });
    const openai = wrapOpenAI(raw, h.client, { clock: h.clock, onRateLimit: (_m, info) => limits.push(info.requests?.remaining ?? -1) });
    return { ...h, raw, openai, limits };
  }

  it('chat.completions.create: a 503 is retried by us alone (SDK retries off), headers read, usage kept', async () => {
    const { openai, server, clock, limits } = await setup(['gpt-a']);
    server.script({ model: 'gpt-a' }, [replies.serverError('openai-chat', 503), replies.success('openai-chat', { model: 'gpt-a', text: 'hello', headers: openaiRateLimitHeaders({ remainingRequests: 7 }) })]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), clock);
    expect(res.choices[0]?.message.content).toBe('hello');
    expect(res.usage?.prompt_tokens).toBe(10);
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0']);
    expect(server.requests[0]?.headers['x-stainless-package-version']).toMatch(/^6\./); // the 6.x SDK sent it
    expect(limits).toContain(7);
  });

  it('quota on the primary falls back at once; events fire', async () => {
    const { openai, server, events, clock } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), clock);
    expect(res.model).toBe('gpt-b');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-a', to: 'gpt-b', reason: 'quota' });
  });

  it('stream: true: a 429 before the stream falls back; the SDK Stream is iterated as usual', async () => {
    const { openai, server, clock } = await setup();
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 1 })]);
    server.script({ model: 'gpt-b' }, [replies.openaiChatStream({ model: 'gpt-b', chunks: ['Hel', 'lo'], usage: { input: 2, output: 2 } })]);
    const stream = await drive(openai.chat.completions.create({ model: 'gpt-a', messages, stream: true }), clock);
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
  });

  it('responses.create is wrapped too, and every model failing gives one chain run', async () => {
    const { openai, server, clock } = await setup();
    server.script({ path: '/responses' }, Array.from({ length: 6 }, () => replies.serverError('openai-responses', 500)));
    const err = await drive(openai.responses.create({ model: 'gpt-a', input: 'hi' }), clock).catch((e: unknown) => e);
    expect(isAllModelsFailedError(err)).toBe(true);
    expect(server.requests).toHaveLength(6);
  });
});

describe('wrapAnthropic with @anthropic-ai/sdk 0.x (the line LangChain bundles)', () => {
  async function setup(models = ['claude-a', 'claude-b']) {
    h = await harness(models);
    const raw = new Anthropic0({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL });
    return { ...h, anthropic: wrapAnthropic(raw, h.client, { clock: h.clock }) };
  }

  it('messages.create: a 529 is retried by us alone, usage kept', async () => {
    const { anthropic, server, clock, times } = await setup(['claude-a']);
    server.script({ model: 'claude-a' }, [replies.overloaded()]);
    const res = await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages }), clock);
    expect(res.content[0]).toMatchObject({ type: 'text', text: 'ok' });
    expect(res.usage.input_tokens).toBe(10);
    expect(times('claude-a')).toEqual([0, 100]);
    expect(server.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0']);
    expect(server.requests[0]?.headers['x-stainless-package-version']).toMatch(/^0\./); // the 0.x SDK sent it
  });

  it('messages.stream falls back when the primary is out of quota; finalMessage() works', async () => {
    const { anthropic, server, events, clock } = await setup();
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    server.script({ model: 'claude-b' }, [replies.anthropicStream({ model: 'claude-b', chunks: ['Hel', 'lo'] })]);
    const stream = anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages });
    const final = await drive(stream.finalMessage(), clock);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Hello' });
    expect(server.requests.map((r) => r.model)).toEqual(['claude-a', 'claude-b']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ reason: 'quota' });
  });
});

const ask = { model: 'gpt-a', max_tokens: 8, messages };
type Clients = { openai: OpenAI6; anthropic: Anthropic0 };

const CASES: [string, Wire, (c: Clients) => unknown][] = [
  ['openai chat.completions.parse', 'openai-chat', ({ openai }) => openai.chat.completions.parse({ model: 'gpt-a', messages })],
  ['openai chat.completions.stream', 'openai-chat', ({ openai }) => openai.chat.completions.stream({ model: 'gpt-a', messages }).finalChatCompletion()],
  ['openai chat.completions.runTools', 'openai-chat', ({ openai }) => openai.chat.completions.runTools({ model: 'gpt-a', messages, tools: [] }).finalContent()],
  ['openai responses.parse', 'openai-responses', ({ openai }) => openai.responses.parse({ model: 'gpt-a', input: 'hi' })],
  ['openai responses.stream', 'openai-responses', ({ openai }) => openai.responses.stream({ model: 'gpt-a', input: 'hi' }).finalResponse()],
  ['openai embeddings.create', 'openai-embeddings', ({ openai }) => openai.embeddings.create({ model: 'gpt-a', input: 'hi' })],
  ['openai withOptions', 'openai-chat', ({ openai }) => openai.withOptions({ timeout: 5_000 }).chat.completions.create({ model: 'gpt-a', messages })],
  ['anthropic messages.parse', 'anthropic', ({ anthropic }) => anthropic.messages.parse(ask)],
  ['anthropic messages.stream', 'anthropic', ({ anthropic }) => anthropic.messages.stream(ask).finalMessage()],
  ['anthropic beta.messages.create', 'anthropic', ({ anthropic }) => anthropic.beta.messages.create(ask)],
  ['anthropic beta.messages.stream', 'anthropic', ({ anthropic }) => anthropic.beta.messages.stream(ask).finalMessage()],
  ['anthropic beta.messages.parse', 'anthropic', ({ anthropic }) => anthropic.beta.messages.parse(ask)],
  ['anthropic beta.messages.toolRunner', 'anthropic', ({ anthropic }) => anthropic.beta.messages.toolRunner({ ...ask, tools: [] }).runUntilDone()],
  ['anthropic withOptions', 'anthropic', ({ anthropic }) => anthropic.withOptions({ timeout: 5_000 }).messages.create(ask)],
];

const streamReply = (wire: Wire) =>
  wire === 'openai-chat' ? replies.openaiChatStream({ model: 'gpt-b' }) : wire === 'anthropic' ? replies.anthropicStream({ model: 'gpt-b' }) : replies.openaiResponsesStream({ model: 'gpt-b' });

describe('every covered helper on openai 6 and @anthropic-ai/sdk 0.x', () => {
  it.each(CASES)('%s: three 503s on the primary, then the fallback, all through the pipeline', async (name, wire, call) => {
    h = await harness(['gpt-a', 'gpt-b']);
    const runner = countingRunner(h.client);
    const openai = wrapOpenAI(new OpenAI6({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: `${h.server.url}/v1` }), runner, { clock: h.clock, embeddingModels: ['gpt-b'] });
    const anthropic = wrapAnthropic(new Anthropic0({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.url }), runner, { clock: h.clock });
    h.server.script({ model: 'gpt-a' }, [503, 503, 503].map((status) => replies.serverError(wire, status)));
    if (name.includes('stream')) h.server.script({ model: 'gpt-b' }, [streamReply(wire)]);
    await drive(Promise.resolve(call({ openai, anthropic })), h.clock);
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-a', 'gpt-a', 'gpt-b']);
    expect(runner.ran).toBe(h.server.requests.length);
  });
});
