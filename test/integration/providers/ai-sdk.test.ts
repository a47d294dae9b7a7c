import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { generateText as generateText6, wrapLanguageModel as wrapLanguageModel6 } from 'ai6';
import { createOpenAI as createOpenAI6 } from 'ai6-openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import type { RateLimitInfo } from '../../../src/classify/ratelimit-headers.js';
import { type Harness, drive, harness } from './helpers.js';
import { openaiRateLimitHeaders, replies } from './server.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

async function setup(models = ['gpt-a', 'gpt-b']) {
  h = await harness(models);
  const seen: { model: string; info: RateLimitInfo }[] = [];
  const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: h.server.openaiBaseURL });
  const middleware = resilienceMiddleware(h.client, {
    clock: h.clock,
    models: { 'gpt-b': provider.chat('gpt-b') },
    onRateLimit: (model, info) => seen.push({ model, info }),
  });
  const model = wrapLanguageModel({ model: provider.chat('gpt-a'), middleware });
  return { ...h, model, seen, provider };
}

describe('resilienceMiddleware with ai 7', () => {
  it('generateText succeeds with usage and the rate-limit headers are read', async () => {
    const { model, server, seen } = await setup();
    server.script({ model: 'gpt-a' }, [replies.success('openai-chat', { model: 'gpt-a', text: 'hey', usage: { input: 9, output: 4 }, headers: openaiRateLimitHeaders({ remainingTokens: 100 }) })]);
    const res = await generateText({ model, prompt: 'hi' });
    expect(res.text).toBe('hey');
    expect(res.usage.inputTokens).toBe(9);
    expect(res.usage.outputTokens).toBe(4);
    expect(seen[0]).toMatchObject({ model: 'gpt-a', info: { tokens: { remaining: 100 } } });
  });

  it('insufficient_quota falls back to the next model instance; the AI SDK retries nothing (its maxRetries left at the default)', async () => {
    const { model, server, times, events } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    const res = await drive(generateText({ model, prompt: 'hi' }), h!.clock);
    expect(res.text).toBe('ok');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(times()).toEqual([0, 0]);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ reason: 'quota' });
  });

  // Chains of one: with a backup that has room, a 429 spills there instead of waiting Retry-After.
  it('transient 429: retry-after-ms honoured on the fake clock, one request per attempt', async () => {
    const { model, server, times } = await setup(['gpt-a']);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfterMs: 750 })]);
    await drive(generateText({ model, prompt: 'hi' }), h!.clock);
    expect(times('gpt-a')).toEqual([0, 750]);
    expect(server.requests).toHaveLength(2);
  });

  it('when every model fails, the AI SDK does not retry our AllModelsFailedError', async () => {
    const { model, server } = await setup();
    server.script({ path: '/chat/completions' }, Array.from({ length: 6 }, () => replies.serverError('openai-chat', 503)));
    const err = await drive(generateText({ model, prompt: 'hi' }), h!.clock).catch((e: unknown) => e);
    expect(isAllModelsFailedError(err)).toBe(true);
    expect(server.requests).toHaveLength(6); // 3 attempts × 2 models, nothing more
  });

  it('streamText: a 429 before the stream is retried, then the parts pass through', async () => {
    const { model, server, times } = await setup(['gpt-a']);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 1 }), replies.openaiChatStream({ model: 'gpt-a', chunks: ['x', 'y'], usage: { input: 2, output: 2 } })]);
    const result = streamText({ model, prompt: 'hi' });
    const text = await drive(Promise.resolve(result.text), h!.clock);
    expect(text).toBe('xy');
    expect(times('gpt-a')).toEqual([0, 1_000]);
  });

  it('works with the Anthropic provider: 529 retried', async () => {
    h = await harness(['claude-a']);
    const anthropic = createAnthropic({ apiKey: 'sk-ant-test-key-1234', baseURL: `${h.server.anthropicBaseURL}/v1` });
    const model = wrapLanguageModel({ model: anthropic('claude-a'), middleware: resilienceMiddleware(h.client) });
    h.server.script({ model: 'claude-a' }, [replies.overloaded()]);
    const res = await drive(generateText({ model, prompt: 'hi' }), h.clock);
    expect(res.text).toBe('ok');
    expect(h.times('claude-a')).toEqual([0, 100]);
  });

  it('a non-Error thrown by a model is passed through, not retried, never a crash', async () => {
    h = await harness(['m-a', 'm-b']);
    let calls = 0;
    const thrower = {
      specificationVersion: 'v4' as const,
      provider: 'test',
      modelId: 'm-a',
      supportedUrls: {},
      doGenerate: async () => {
        calls++;
        throw 'boom'; // eslint-disable-line no-throw-literal -- the bad input under test
      },
      doStream: async () => {
        throw 'boom'; // eslint-disable-line no-throw-literal
      },
    };
    const model = wrapLanguageModel({ model: thrower, middleware: resilienceMiddleware(h.client) });
    const err = await generateText({ model, prompt: 'hi' }).catch((e: unknown) => e);
    expect(err).toBe('boom');
    expect(calls).toBe(1);
  });
});

describe('resilienceMiddleware with ai 6 (ai6 + ai6-openai)', () => {
  it('a transient 429 spills to the backup at once; quota falls back too', async () => {
    h = await harness(['gpt-a', 'gpt-b']);
    const provider = createOpenAI6({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: h.server.openaiBaseURL });
    const middleware = resilienceMiddleware(h.client, { specificationVersion: 'v3', models: { 'gpt-b': provider.chat('gpt-b') } });
    const model = wrapLanguageModel6({ model: provider.chat('gpt-a'), middleware });
    h.server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 2 }), replies.quota('openai-chat')]);
    const res = await drive(generateText6({ model, prompt: 'hi' }), h.clock);
    expect(res.text).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(h.times()).toEqual([0, 0]);
    await h.clock.advance(2_000); // past the 429's Retry-After: the primary is tried again, answers quota
    const again = await drive(generateText6({ model, prompt: 'hi' }), h.clock);
    expect(again.text).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b', 'gpt-a', 'gpt-b']);
  });
});
