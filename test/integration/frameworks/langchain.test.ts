// LangChain.js chat models (`@langchain/openai`, `@langchain/anthropic`) and a
// `createAgent` agent (LangGraph underneath) on wrapped SDK clients, over
// loopback HTTP, with LangChain's default settings: its AsyncCaller retries a
// failed model call six times unless the error is marked not retryable.
import Anthropic from '@anthropic-ai/sdk';
import { getRetryable } from '@langchain/core/errors';
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI, ChatOpenAICompletions, ChatOpenAIResponses } from '@langchain/openai';
import { createAgent, modelFallbackMiddleware, tool } from 'langchain';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ResilientClient, isAllModelsFailedError } from '../../../src/index.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { drive } from '../providers/helpers.js';
import { replies } from '../providers/server.js';
import { failEverything, h, oneChainRun, useHarness } from './setup.js';

useHarness(['gpt-4.1', 'gpt-4.1-mini']);

const names = () => h.events.map((e) => e.name);

/** ChatOpenAI has no client option; its two parts take one, and `bindTools` / `withConfig` reuse those parts. */
function chatOpenAI(options: { useResponsesApi?: boolean } = {}): ChatOpenAI {
  const fields = { model: 'gpt-4.1', apiKey: 'test-key', ...options };
  const openai = wrapOpenAI(new OpenAI({ apiKey: 'test-key', baseURL: h.server.openaiBaseURL }), h.client);
  const completions = new ChatOpenAICompletions(fields);
  const responses = new ChatOpenAIResponses(fields);
  completions.client = openai;
  responses.client = openai;
  return new ChatOpenAI({ ...fields, completions, responses });
}

/** ChatAnthropic builds its clients through `createClient`; it bundles an older SDK major, hence the cast. */
function chatAnthropic(client: ResilientClient): ChatAnthropic {
  return new ChatAnthropic({
    model: 'claude-sonnet-4-6',
    apiKey: 'test-key',
    createClient: (options) => wrapAnthropic(new Anthropic({ ...(options as ConstructorParameters<typeof Anthropic>[0]), baseURL: h.server.anthropicBaseURL }), client),
  });
}

const weather = tool(async () => 'sunny', { name: 'get_weather', description: 'The weather in a city', schema: z.object({ city: z.string() }) });

describe('LangChain ChatOpenAI on a wrapped client', () => {
  it('the primary fails, the fallback answers, events fire; bindTools keeps the client', async () => {
    h.server.script({ model: 'gpt-4.1' }, [replies.serverError('openai-chat', 503), replies.serverError('openai-chat', 503)]);
    const model = chatOpenAI();

    const plain = await drive(model.invoke('Say hello.'), h.clock);
    const bound = await drive(model.bindTools([weather]).invoke('Weather in Paris?'), h.clock);

    expect(plain.content).toBe('ok');
    expect(bound.content).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-4.1-mini']);
    expect(h.server.requests[3]!.body.tools).toHaveLength(1);
    expect(names().filter((n) => n === 'fallback')).toHaveLength(2);
  });

  it('with the Responses API (useResponsesApi, or chosen by ChatOpenAI itself): the same chain', async () => {
    h.server.script({ model: 'gpt-4.1' }, [replies.serverError('openai-responses', 503)]);

    const answer = await drive(chatOpenAI({ useResponsesApi: true }).bindTools([weather]).invoke('Say hello.'), h.clock);

    expect(answer.text).toBe('ok');
    expect(h.server.requests.map((r) => [r.path, r.model])).toEqual([
      ['/v1/responses', 'gpt-4.1'],
      ['/v1/responses', 'gpt-4.1-mini'],
    ]);
    expect(names()).toContain('fallback');
  });

  it("every model failing: AllModelsFailedError after one chain run, not seven (LangChain's six retries)", async () => {
    const perCall = await oneChainRun(['gpt-4.1', 'gpt-4.1-mini'], 'openai-chat');
    expect(perCall).toBeGreaterThanOrEqual(2);
    failEverything(h, 'openai-chat', '/chat/completions');

    const err = await drive(chatOpenAI().invoke('Say hello.'), h.clock).catch((e: unknown) => e);

    expect(isAllModelsFailedError(err)).toBe(true);
    expect(getRetryable(err)).toBe(false);
    expect(h.server.requests).toHaveLength(perCall);
    expect(names().filter((n) => n === 'exhausted')).toHaveLength(1);
  });
});

describe('LangChain ChatAnthropic({ createClient })', () => {
  it('the primary fails, the fallback answers; every model failing is one chain run', async () => {
    const client = new ResilientClient({ models: ['claude-sonnet-4-6', 'claude-haiku-4-5'], clock: h.clock, retry: { jitter: 'none' }, monitor: false });
    const fallbacks: unknown[] = [];
    client.on('fallback', (e) => fallbacks.push(e));
    try {
      h.server.script({ model: 'claude-sonnet-4-6' }, [replies.overloaded()]);
      const answer = await drive(chatAnthropic(client).bindTools([weather]).invoke('Say hello.'), h.clock);
      expect(answer.content).toBe('ok');
      expect(h.server.requests.map((r) => r.model)).toEqual(['claude-sonnet-4-6', 'claude-haiku-4-5']);
      expect(fallbacks).toHaveLength(1);

      const perCall = await oneChainRun(['claude-sonnet-4-6', 'claude-haiku-4-5'], 'anthropic');
      failEverything(h, 'anthropic', '/messages');
      const before = h.server.requests.length;
      const fresh = new ResilientClient({ models: ['claude-sonnet-4-6', 'claude-haiku-4-5'], clock: h.clock, retry: { jitter: 'none' }, monitor: false });
      const err = await drive(chatAnthropic(fresh).invoke('Say hello.'), h.clock).catch((e: unknown) => e);
      fresh.dispose();
      expect(isAllModelsFailedError(err)).toBe(true);
      expect(h.server.requests.length - before).toBe(perCall);
    } finally {
      client.dispose();
    }
  });
});

describe('LangChain createAgent (LangGraph)', () => {
  it('an agent with a tool on the wrapped ChatOpenAI: fallback answers, one chain run per model call', async () => {
    h.server.script({ model: 'gpt-4.1' }, [replies.serverError('openai-chat', 503)]);
    const agent = createAgent({ model: chatOpenAI(), tools: [weather] });

    const state = await drive(agent.invoke({ messages: [{ role: 'user', content: 'Say hello.' }] }), h.clock);

    expect(state.messages.at(-1)?.content).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1-mini']);
    expect(h.server.requests[1]!.body.tools).toHaveLength(1);
    expect(names()).toContain('fallback');
  });

  it('cross-provider: modelFallbackMiddleware moves to a wrapped ChatAnthropic after the OpenAI chain gave up once', async () => {
    const perCall = await oneChainRun(['gpt-4.1', 'gpt-4.1-mini'], 'openai-chat');
    failEverything(h, 'openai-chat', '/chat/completions');
    const claude = new ResilientClient({ models: ['claude-sonnet-4-6'], clock: h.clock, monitor: false });
    try {
      const agent = createAgent({ model: chatOpenAI(), tools: [weather], middleware: [modelFallbackMiddleware(chatAnthropic(claude))] });

      const state = await drive(agent.invoke({ messages: [{ role: 'user', content: 'Say hello.' }] }), h.clock);

      expect(state.messages.at(-1)?.content).toBe('ok');
      expect(h.server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(perCall);
      expect(h.server.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.model)).toEqual(['claude-sonnet-4-6']);
    } finally {
      claude.dispose();
    }
  });
});
