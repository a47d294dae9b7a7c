// Mastra (`@mastra/core`) agents on AI SDK models wrapped with
// `resilienceMiddleware`, over loopback HTTP, with Mastra's default settings
// (an agent's and a fallback entry's `maxRetries` default to 0).
import { createAnthropic } from '@ai-sdk/anthropic';
import type { MastraModelConfig } from '@mastra/core/llm';
import { createOpenAI } from '@ai-sdk/openai';
import { wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { ResilientClient, isAllModelsFailedError } from '../../../src/index.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { drive } from '../providers/helpers.js';
import { replies } from '../providers/server.js';
import { failEverything, h, oneChainRun, useHarness } from './setup.js';

// @mastra/core requires Node >= 22.13 (its `engines`, and it uses newer APIs); CI runs this file on Node 22 and 24.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 13);
const title = supported ? 'Mastra' : `Mastra: skipped, @mastra/core requires Node >= 22.13 (this is ${process.version})`;

useHarness(['gpt-4.1', 'gpt-4.1-mini']);

/**
 * gpt-4.1 falling back to gpt-4.1-mini, through the harness's client. The cast:
 * @mastra/core 1.x types AI SDK 7 models with an older copy of the provider
 * spec, which rejects any `ai@7` model, wrapped or not.
 */
function gptModel(): MastraModelConfig {
  const openai = createOpenAI({ apiKey: 'test-key', baseURL: h.server.openaiBaseURL });
  const model = wrapLanguageModel({ model: openai.chat('gpt-4.1'), middleware: resilienceMiddleware(h.client, { clock: h.clock, models: { 'gpt-4.1-mini': openai.chat('gpt-4.1-mini') } }) });
  return model as unknown as MastraModelConfig;
}

const names = () => h.events.map((e) => e.name);
const instructions = 'Answer in one word.';

describe.skipIf(!supported)(title, () => {
  it('Agent.model: the primary fails, the fallback answers, events fire', async () => {
    const { Agent } = await import('@mastra/core/agent');
    h.server.script({ model: 'gpt-4.1' }, [replies.serverError('openai-chat', 503)]);
    const agent = new Agent({ id: 'assistant', name: 'Assistant', instructions, model: gptModel() });

    const result = await drive(agent.generate('Say hello.'), h.clock);

    expect(result.text).toBe('ok');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1-mini']);
    expect(names()).toEqual(['attempt', 'failure', 'fallback', 'attempt', 'success']);
  });

  it('every model failing: AllModelsFailedError after one chain run', async () => {
    const { Agent } = await import('@mastra/core/agent');
    const perCall = await oneChainRun(['gpt-4.1', 'gpt-4.1-mini'], 'openai-chat');
    failEverything(h, 'openai-chat');
    const agent = new Agent({ id: 'assistant', name: 'Assistant', instructions, model: gptModel() });

    const err = await drive(agent.generate('Say hello.'), h.clock).catch((e: unknown) => e);

    expect(isAllModelsFailedError(err)).toBe(true);
    expect(h.server.requests).toHaveLength(perCall);
    expect(names().filter((n) => n === 'exhausted')).toHaveLength(1);
  });

  it("Mastra's fallback array: after the OpenAI chain gave up once, the wrapped Claude entry answers", async () => {
    const { Agent } = await import('@mastra/core/agent');
    const perCall = await oneChainRun(['gpt-4.1', 'gpt-4.1-mini'], 'openai-chat');
    failEverything(h, 'openai-chat', '/chat/completions');
    const claudeClient = new ResilientClient({ models: ['claude-sonnet-4-6'], clock: h.clock, monitor: false });
    try {
      const anthropic = createAnthropic({ apiKey: 'test-key', baseURL: `${h.server.anthropicBaseURL}/v1` });
      const claude = wrapLanguageModel({ model: anthropic('claude-sonnet-4-6'), middleware: resilienceMiddleware(claudeClient, { clock: h.clock }) }) as unknown as MastraModelConfig;
      const agent = new Agent({ id: 'assistant', name: 'Assistant', instructions, model: [{ model: gptModel() }, { model: claude }] });

      const result = await drive(agent.generate('Say hello.'), h.clock);

      expect(result.text).toBe('ok');
      expect(h.server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(perCall);
      expect(h.server.requests.filter((r) => r.path.endsWith('/messages')).map((r) => r.model)).toEqual(['claude-sonnet-4-6']);
      expect(names().filter((n) => n === 'exhausted')).toHaveLength(1);
    } finally {
      claudeClient.dispose();
    }
  });
});
