// An async function around the SDK call. Run: npx tsx examples/quickstart-track.ts
// With OPENAI_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to the next model of the chain).
import { stopLocalApi } from './support/openai-unless-key.js';
import OpenAI from 'openai';
import { ResilientClient } from 'llm-resilience';

const openai = new OpenAI({ maxRetries: 0 });
const client = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'] });

const completion = await client.run(async ({ model, signal, track }) => {
  // track() returns the SDK call unchanged and hands its rate-limit headers to the client.
  const completion = await track(
    openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello in one word.' }] }, { signal }),
  );
  console.log(`${model} answered in ${completion.usage?.total_tokens} tokens`);
  return completion; // the SDK's own result: its usage counts for budgets and admission
});
const left = client.rateLimits(completion.model)?.requests?.remaining;
console.log(`${completion.model}: ${completion.choices[0]?.message.content} (${left} requests left this minute)`);
client.dispose();
stopLocalApi(); // the local stand-in, when no API key was set
