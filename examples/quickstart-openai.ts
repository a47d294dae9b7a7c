// Wrapping a real OpenAI call. Run: npx tsx examples/quickstart-openai.ts
// With OPENAI_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to the next model of the chain).
import { stopLocalApi } from './support/openai-unless-key.js';
import OpenAI from 'openai';
import { ResilientClient } from 'llm-resilience';

// maxRetries: 0: the SDK retries twice by default; left on, its retries
// multiply ours (4 of ours × 3 of its = 12 requests for one failing call).
const openai = new OpenAI({ maxRetries: 0 });

const client = new ResilientClient({
  models: ['gpt-4.1', 'gpt-4.1-mini'], // fallback chain, first = primary
  retry: { maxRetries: 3 },
});
client.on('retry', (e) => console.log(`retry ${e.model} in ${e.delayMs} ms (${e.reason})`));
client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));

const completion = await client.run(
  ({ model, signal }) =>
    openai.chat.completions.create(
      { model, messages: [{ role: 'user', content: 'Say hello in one word.' }] },
      { signal },
    ),
  // Your patience for the whole call, retries and fallbacks included.
  { signal: AbortSignal.timeout(120_000) },
);
console.log(`${completion.model}: ${completion.choices[0]?.message.content}`);
client.dispose();
stopLocalApi(); // the local stand-in, when no API key was set
