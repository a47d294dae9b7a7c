// Context-window and refusal shapes as the real SDKs deliver them, through the wrappers and the middleware.
import Anthropic from '@anthropic-ai/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, drive, harness } from './helpers.js';
import { replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

const fallbacks = () => h!.events.filter((e) => e.name === 'fallback').map((e) => e.payload);

describe('context window exceeded, real SDKs on loopback', () => {
  it('openai: a 400 context_length_exceeded moves to a larger window at once, skipping smaller ones; no retry, no breaker count', async () => {
    h = await harness(['gpt-small', 'gpt-smaller', 'gpt-big'], { content: { contextWindows: { 'gpt-small': 128_000, 'gpt-smaller': 32_000, 'gpt-big': 1_000_000 } } });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL }), h.client, { clock: h.clock });
    h.server.script({ model: 'gpt-small' }, [replies.contextLength('openai-chat')]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-small', messages }), h.clock);
    expect(res.model).toBe('gpt-big');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-small', 'gpt-big']);
    expect(fallbacks().map((f) => [f.from, f.to, f.reason])).toEqual([
      ['gpt-small', 'gpt-smaller', 'context_length'],
      ['gpt-smaller', 'gpt-big', 'context_length'],
    ]);
    expect(h.client.breakerState('gpt-small')).toBe('closed');
    expect(h.events.some((e) => e.name === 'retry')).toBe(false);
  });

  it('anthropic: "prompt is too long" falls back to the next model', async () => {
    h = await harness(['claude-a', 'claude-b']);
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL }), h.client, { clock: h.clock });
    h.server.script({ model: 'claude-a' }, [replies.contextLength('anthropic')]);
    const res = await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 100, messages }), h.clock);
    expect(res.model).toBe('claude-b');
    expect(fallbacks()).toEqual([expect.objectContaining({ from: 'claude-a', to: 'claude-b', reason: 'context_length' })]);
  });

  it('a request already larger than a window is never sent to that model', async () => {
    h = await harness(['gpt-small', 'gpt-big'], { content: { contextWindows: { 'gpt-small': 1_000, 'gpt-big': 1_000_000 } } });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL }), h.client, { clock: h.clock });
    const res = await drive(openai.chat.completions.create({ model: 'gpt-small', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }), h.clock);
    expect(res.model).toBe('gpt-big');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-big']);
  });

  it('AI SDK: the APICallError for a too-long prompt falls back to the next model instance', async () => {
    h = await harness(['gpt-a', 'gpt-b']);
    const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: h.server.openaiBaseURL });
    const middleware = resilienceMiddleware(h.client, { clock: h.clock, models: { 'gpt-b': provider.chat('gpt-b') } });
    h.server.script({ model: 'gpt-a' }, [replies.contextLength('openai-chat')]);
    const res = await drive(generateText({ model: wrapLanguageModel({ model: provider.chat('gpt-a'), middleware }), prompt: 'hi', maxRetries: 0 }), h.clock);
    expect(res.text).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(fallbacks()).toEqual([expect.objectContaining({ from: 'gpt-a', to: 'gpt-b', reason: 'context_length' })]);
  });
});

describe('refusals, real SDKs on loopback', () => {
  it("openai: finish_reason content_filter is returned as is by default", async () => {
    h = await harness(['gpt-a', 'gpt-b']);
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL }), h.client, { clock: h.clock });
    h.server.script({ model: 'gpt-a' }, [replies.refusal('openai-chat', { model: 'gpt-a' })]);
    const res = await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(res.choices[0]!.finish_reason).toBe('content_filter');
    expect(h.server.requests).toHaveLength(1);
  });

  it("openai responses: an incomplete content_filter response moves on under onRefusal: 'fallback'", async () => {
    h = await harness(['gpt-a', 'gpt-b'], { content: { onRefusal: 'fallback' } });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL }), h.client, { clock: h.clock });
    h.server.script({ model: 'gpt-a' }, [replies.refusal('openai-responses', { model: 'gpt-a' })]);
    const res = await drive(openai.responses.create({ model: 'gpt-a', input: 'hi' }), h.clock);
    expect(res.model).toBe('gpt-b');
    expect(fallbacks()).toEqual([expect.objectContaining({ from: 'gpt-a', to: 'gpt-b', reason: 'content_filter' })]);
  });

  it("anthropic: stop_reason refusal goes to the named refusal chain", async () => {
    h = await harness(['claude-a', 'claude-b'], { content: { onRefusal: { models: ['claude-lenient'] } } });
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL }), h.client, { clock: h.clock });
    h.server.script({ model: 'claude-a' }, [replies.refusal('anthropic', { model: 'claude-a' })]);
    const res = await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 100, messages }), h.clock);
    expect(res.model).toBe('claude-lenient');
    expect(h.server.requests.map((r) => r.model)).toEqual(['claude-a', 'claude-lenient']);
  });

  it("AI SDK: a content-filter finish moves to the next model instance under 'fallback'", async () => {
    h = await harness(['gpt-a', 'gpt-b'], { content: { onRefusal: 'fallback' } });
    const provider = createOpenAI({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: h.server.openaiBaseURL });
    const middleware = resilienceMiddleware(h.client, { clock: h.clock, models: { 'gpt-b': provider.chat('gpt-b') } });
    h.server.script({ model: 'gpt-a' }, [replies.refusal('openai-chat', { model: 'gpt-a' })]);
    const res = await drive(generateText({ model: wrapLanguageModel({ model: provider.chat('gpt-a'), middleware }), prompt: 'hi' }), h.clock);
    expect(res.finishReason).toBe('stop');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
  });
});
