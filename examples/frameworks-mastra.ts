// Mastra agents on models wrapped with the AI SDK middleware (docs/frameworks.md).
// Needs Node >= 22.13 (as @mastra/core does). Run: npx tsx examples/frameworks-mastra.ts
// With OPENAI_API_KEY / ANTHROPIC_API_KEY set it calls the real APIs (and costs a few tokens);
// without them, local stand-ins answer (one 429 first: it spills to gpt-4.1-mini).
import { stopLocalApi } from './support/frameworks-unless-key.js';
import { anthropic } from '@ai-sdk/anthropic';
import { openai } from '@ai-sdk/openai';
import { Agent } from '@mastra/core/agent';
import type { MastraModelConfig } from '@mastra/core/llm';
import { wrapLanguageModel } from 'ai';
import { ResilientClient } from 'llm-resilience';
import { resilienceMiddleware } from 'llm-resilience/ai-sdk';

const gpt = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'] });
const claude = new ResilientClient({ models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] });
for (const client of [gpt, claude]) client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));

const gptModel = wrapLanguageModel({
  model: openai('gpt-4.1'),
  middleware: resilienceMiddleware(gpt, { models: { 'gpt-4.1-mini': openai('gpt-4.1-mini') } }),
});
const claudeModel = wrapLanguageModel({
  model: anthropic('claude-sonnet-4-6'),
  middleware: resilienceMiddleware(claude, { models: { 'claude-haiku-4-5': anthropic('claude-haiku-4-5') } }),
});

// Mastra 1.x types AI SDK 7 models with an older copy of the model spec,
// which rejects any `ai@7` model (wrapped or not): hence the casts.
const agent = new Agent({
  id: 'assistant',
  name: 'Assistant',
  instructions: 'Answer in one word.',
  // Mastra moves to the next entry only after a whole chain gave up. Leave each
  // entry's maxRetries at its default (0): Mastra would re-run the chain.
  model: [{ model: gptModel as unknown as MastraModelConfig }, { model: claudeModel as unknown as MastraModelConfig }],
});
const result = await agent.generate('Say hello.');
console.log(`agent: ${result.text}`);

gpt.dispose();
claude.dispose();
stopLocalApi(); // the local stand-ins, when no API key was set
