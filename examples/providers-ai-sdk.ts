// The AI SDK middleware (docs/providers.md). Run: npx tsx examples/providers-ai-sdk.ts
// With OPENAI_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to gpt-4.1-mini at once; the AI SDK itself never retries).
import { stopLocalApi } from './support/ai-sdk-unless-key.js';
import { client } from './support/ai-sdk-client.js';
import { prompt } from './support/prompt.js';
import { generateText, wrapLanguageModel } from 'ai';
import { openai } from '@ai-sdk/openai';
import { resilienceMiddleware } from 'llm-resilience/ai-sdk';

const model = wrapLanguageModel({
  model: openai.chat('gpt-4.1'),
  middleware: resilienceMiddleware(client, { models: { 'gpt-4.1-mini': openai.chat('gpt-4.1-mini') } }),
});
await generateText({ model, prompt, maxRetries: 0 });

client.dispose();
stopLocalApi(); // the local stand-in, when no API key was set
