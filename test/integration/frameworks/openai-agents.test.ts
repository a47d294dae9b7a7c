// The OpenAI Agents SDK (`@openai/agents`) running agents on a wrapped `openai`
// client, over loopback HTTP. Its runner has its own retry loop (off by default,
// `modelSettings.retry` turns it on) whose policies look for an HTTP status,
// `Retry-After` or a network error anywhere in a failed call's `cause` chain:
// a call the chain already gave up on must not be re-run by it.
import { Agent, type ModelSettings, OpenAIProvider, Runner, retryPolicies, run, setDefaultOpenAIClient, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { drive } from '../providers/helpers.js';
import { replies } from '../providers/server.js';
import { failEverything, h, oneChainRun, useHarness } from './setup.js';

// The SDK would otherwise export traces to api.openai.com.
setTracingDisabled(true);
afterAll(() => setDefaultOpenAIClient(undefined as unknown as OpenAI));

// The runner retry setting the Agents SDK documents: every policy that can say "retry".
const retrying: ModelSettings = {
  retry: {
    maxRetries: 2,
    policy: retryPolicies.any(retryPolicies.providerSuggested(), retryPolicies.retryAfter(), retryPolicies.networkError(), retryPolicies.httpStatus([408, 409, 429, 500, 502, 503, 504])),
  },
};

useHarness(['gpt-4.1', 'gpt-4.1-mini']);

const sdk = () => new OpenAI({ apiKey: 'test-key', baseURL: h.server.openaiBaseURL });
const wrapped = () => wrapOpenAI(sdk(), h.client);
const names = () => h.events.map((e) => e.name);
const agent = (modelSettings?: ModelSettings) => new Agent({ name: 'Assistant', instructions: 'Answer in one word.', model: 'gpt-4.1', ...(modelSettings ? { modelSettings } : {}) });

describe('OpenAI Agents SDK over a wrapped client', () => {
  it('OpenAIProvider({ openAIClient }): the primary fails, the fallback answers, events fire', async () => {
    h.server.script({ model: 'gpt-4.1' }, [replies.serverError('openai-responses', 503)]);
    h.server.script({ model: 'gpt-4.1-mini' }, [replies.success('openai-responses', { model: 'gpt-4.1-mini', text: 'Hello' })]);
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: wrapped() }) });

    const result = await drive(runner.run(agent(), 'Say hello.'), h.clock);

    expect(result.finalOutput).toBe('Hello');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1-mini']);
    expect(names()).toEqual(['attempt', 'failure', 'fallback', 'attempt', 'success']);
    expect(h.events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-4.1', to: 'gpt-4.1-mini' });
  });

  it('with Chat Completions instead of the Responses API (useResponses: false): the same chain', async () => {
    h.server.script({ model: 'gpt-4.1' }, [replies.serverError('openai-chat', 503)]);
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: wrapped(), useResponses: false }) });

    const result = await drive(runner.run(agent(), 'Say hello.'), h.clock);

    expect(result.finalOutput).toBe('ok');
    expect(h.server.requests.map((r) => [r.path, r.model])).toEqual([
      ['/v1/chat/completions', 'gpt-4.1'],
      ['/v1/chat/completions', 'gpt-4.1-mini'],
    ]);
    expect(names()).toContain('fallback');
  });

  it('setDefaultOpenAIClient before the first run: run() goes through the chain', async () => {
    setDefaultOpenAIClient(wrapped());
    h.server.script({ model: 'gpt-4.1' }, [replies.rateLimit('openai-responses', { retryAfter: 0 })]);

    const result = await drive(run(agent(), 'Say hello.'), h.clock);

    expect(result.finalOutput).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1-mini']);
    expect(names()).toContain('fallback');
  });

  it('with every model failing and the default settings, one chain run and AllModelsFailedError', async () => {
    const perCall = await oneChainRun(['gpt-4.1', 'gpt-4.1-mini'], 'openai-responses');
    failEverything(h, 'openai-responses');
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: wrapped() }) });

    const err = await drive(runner.run(agent(), 'Say hello.'), h.clock).catch((e: unknown) => e);

    expect(isAllModelsFailedError(err)).toBe(true);
    expect(h.server.requests).toHaveLength(perCall);
    expect(names().filter((n) => n === 'exhausted')).toHaveLength(1);
  });

  it('with the runner retry policies on, still one chain run: nothing on our final error says "retry"', async () => {
    const perCall = await oneChainRun(['gpt-4.1', 'gpt-4.1-mini'], 'openai-responses');
    expect(perCall).toBeGreaterThanOrEqual(2);
    failEverything(h, 'openai-responses');
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: wrapped() }) });

    const err = await drive(runner.run(agent(retrying), 'Say hello.'), h.clock).catch((e: unknown) => e);

    expect(isAllModelsFailedError(err)).toBe(true);
    // Before our final errors dropped `cause`, the policies found the 429 and its Retry-After there: three chain runs.
    expect(h.server.requests).toHaveLength(perCall);
    expect(names().filter((n) => n === 'exhausted')).toHaveLength(1);
    if (isAllModelsFailedError(err)) expect(err.failures.map((f) => (f.error as { status?: number }).status)).toEqual([429, 429]);
  });
});
