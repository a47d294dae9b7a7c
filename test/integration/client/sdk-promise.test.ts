/**
 * `client.run(({ model, signal }) => sdk.call(...))`, the README's quick start,
 * with the real SDK packages (both supported majors of each) over loopback:
 * the rate-limit headers of successes and failures reach the client, and the
 * caller gets exactly what the SDK gives.
 */
import Anthropic from '@anthropic-ai/sdk';
import Anthropic0 from 'anthropic0';
import OpenAI from 'openai';
import OpenAI6 from 'openai6';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, drive, harness } from '../providers/helpers.js';
import { anthropicRateLimitHeaders, openaiRateLimitHeaders, replies } from '../providers/server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const open: Harness[] = [];
afterEach(() => Promise.all(open.splice(0).map(({ client, server }) => (client.dispose(), server.close()))));

async function setup(models = ['gpt-a', 'gpt-b'], retry?: false) {
  const h = await harness(models, retry === false ? { retry } : {});
  open.push(h);
  const ratelimit: unknown[] = [];
  h.client.on('ratelimit', (e) => ratelimit.push(e));
  return { ...h, ratelimit };
}

// Typed as the current majors: the calls made here have the same shape in both.
type Options = { apiKey: string; baseURL: string; maxRetries: number };
const OPENAI: readonly [string, new (o: Options) => OpenAI][] = [
  ['openai 7', OpenAI],
  ['openai 6', OpenAI6 as unknown as new (o: Options) => OpenAI],
];
const ANTHROPIC: readonly [string, new (o: Options) => Anthropic][] = [
  ['@anthropic-ai/sdk 1', Anthropic],
  ['@anthropic-ai/sdk 0.x', Anthropic0 as unknown as new (o: Options) => Anthropic],
];

describe.each(OPENAI)('client.run returning the %s APIPromise', (_name, SDK) => {
  const sdk = (server: Harness['server']) => new SDK({ apiKey: 'sk-test-not-a-real-key', baseURL: server.openaiBaseURL, maxRetries: 0 });

  it('reads the rate-limit headers; the caller gets what the SDK gives', async () => {
    const { client, server, ratelimit } = await setup();
    const headers = openaiRateLimitHeaders({ remainingRequests: 7 });
    server.script({ model: 'gpt-a' }, [replies.success('openai-chat', { model: 'gpt-a', text: 'hello', headers }), replies.success('openai-chat', { model: 'gpt-a', text: 'hello', headers })]);
    const openai = sdk(server);
    const completion = await client.run(({ model, signal }) => openai.chat.completions.create({ model, messages }, { signal }));
    const direct = await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(completion).toEqual(direct);
    expect(completion.choices[0]?.message.content).toBe('hello');
    expect(client.rateLimits('gpt-a')?.requests).toMatchObject({ limit: 60, remaining: 7 });
    expect(ratelimit).toHaveLength(1);
    expect(client.snapshot().limits['gpt-a']?.requests).toBeDefined();
  });

  it('a stream comes back whole: headers read, every chunk still there', async () => {
    const { client, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.openaiChatStream({ model: 'gpt-a', chunks: ['a', 'b', 'c'], headers: openaiRateLimitHeaders({ remainingRequests: 5 }) })]);
    const openai = sdk(server);
    const stream = await client.run(({ model, signal }) => openai.chat.completions.create({ model, messages, stream: true }, { signal }));
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('abc');
    expect(client.rateLimits('gpt-a')?.requests?.remaining).toBe(5);
  });

  it('an async function that awaits the SDK through track()', async () => {
    const { client, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.success('openai-chat', { model: 'gpt-a', text: 'hello', headers: openaiRateLimitHeaders({ remainingRequests: 3 }) })]);
    const openai = sdk(server);
    const text = await client.run(async ({ model, signal, track }) => {
      const completion = await track(openai.chat.completions.create({ model, messages }, { signal }));
      return completion.choices[0]?.message.content;
    });
    expect(text).toBe('hello');
    expect(client.rateLimits('gpt-a')?.requests?.remaining).toBe(3);
  });

  it("reads a 429's rate-limit headers, not only its retry-after", async () => {
    const { client, server } = await setup(['gpt-a'], false);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfterMs: 800, headers: openaiRateLimitHeaders({ remainingRequests: 0 }) })]);
    const openai = sdk(server);
    await expect(client.run(({ model, signal }) => openai.chat.completions.create({ model, messages }, { signal }))).rejects.toThrow();
    expect(client.rateLimits('gpt-a')?.requests).toMatchObject({ limit: 60, remaining: 0 });
  });
});

describe.each(ANTHROPIC)('client.run returning the %s APIPromise', (_name, SDK) => {
  const sdk = (server: Harness['server']) => new SDK({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.anthropicBaseURL, maxRetries: 0 });

  it('reads the rate-limit headers; the caller gets what the SDK gives', async () => {
    const { client, server, t0 } = await setup(['claude-a', 'claude-b']);
    const headers = anthropicRateLimitHeaders({ remainingRequests: 4, resetRequests: new Date(t0 + 30_000).toISOString() });
    server.script({ model: 'claude-a' }, [replies.success('anthropic', { model: 'claude-a', text: 'hello', headers }), replies.success('anthropic', { model: 'claude-a', text: 'hello', headers })]);
    const anthropic = sdk(server);
    const message = await client.run(({ model, signal }) => anthropic.messages.create({ model, max_tokens: 64, messages }, { signal }));
    const direct = await anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages });
    expect(message).toEqual(direct);
    expect(client.rateLimits('claude-a')?.requests).toMatchObject({ limit: 50, remaining: 4, resetAt: t0 + 30_000 });
  });

  it('messages.stream(): the MessageStream is returned as it is, its headers read', async () => {
    const { client, server, t0 } = await setup(['claude-a', 'claude-b']);
    const headers = anthropicRateLimitHeaders({ remainingRequests: 2, resetRequests: new Date(t0 + 30_000).toISOString() });
    server.script({ model: 'claude-a' }, [replies.anthropicStream({ model: 'claude-a', chunks: ['Hi', ' there'], usage: { input: 4, output: 2 }, headers })]);
    const anthropic = sdk(server);
    const stream = await client.run(({ model, signal }) => anthropic.messages.stream({ model, max_tokens: 64, messages }, { signal }));
    const final = await stream.finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'Hi there' }]);
    expect(client.rateLimits('claude-a')?.requests?.remaining).toBe(2);
  });

  it("reads a 429's rate-limit headers", async () => {
    const { client, server, t0 } = await setup(['claude-a'], false);
    const headers = anthropicRateLimitHeaders({ remainingRequests: 0, resetRequests: new Date(t0 + 30_000).toISOString() });
    server.script({ model: 'claude-a' }, [replies.rateLimit('anthropic', { retryAfter: 1, headers })]);
    const anthropic = sdk(server);
    await expect(client.run(({ model, signal }) => anthropic.messages.create({ model, max_tokens: 64, messages }, { signal }))).rejects.toThrow();
    expect(client.rateLimits('claude-a')?.requests).toMatchObject({ limit: 50, remaining: 0 });
  });
});

describe("the wrappers read a 429's rate-limit headers too", () => {
  it('wrapOpenAI', async () => {
    const { client, server, clock } = await setup(['gpt-a'], false);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfterMs: 800, headers: openaiRateLimitHeaders({ remainingRequests: 0 }) })]);
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: server.openaiBaseURL }), client);
    await expect(drive(openai.chat.completions.create({ model: 'gpt-a', messages }), clock)).rejects.toThrow();
    expect(client.rateLimits('gpt-a')?.requests).toMatchObject({ limit: 60, remaining: 0 });
  });

  it('wrapAnthropic', async () => {
    const { client, server, t0, clock } = await setup(['claude-a'], false);
    const headers = anthropicRateLimitHeaders({ remainingRequests: 0, resetRequests: new Date(t0 + 30_000).toISOString() });
    server.script({ model: 'claude-a' }, [replies.rateLimit('anthropic', { retryAfter: 1, headers })]);
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: server.anthropicBaseURL }), client);
    await expect(drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages }), clock)).rejects.toThrow();
    expect(client.rateLimits('claude-a')?.requests).toMatchObject({ limit: 50, remaining: 0 });
  });
});
