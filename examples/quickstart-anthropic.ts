// Wrapping a real Anthropic call. Run: npx tsx examples/quickstart-anthropic.ts
// With ANTHROPIC_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to the next model of the chain).
import { stopLocalApi } from './support/anthropic-unless-key.js';
import Anthropic from '@anthropic-ai/sdk';
import { ResilientClient } from 'llm-resilience';

// maxRetries: 0: the SDK retries twice by default; left on, its retries
// multiply ours (4 of ours × 3 of its = 12 requests for one failing call).
const anthropic = new Anthropic({ maxRetries: 0 });

const client = new ResilientClient({
  models: ['claude-sonnet-4-6', 'claude-haiku-4-5'], // fallback chain, first = primary
  retry: { maxRetries: 3 },
});
client.on('retry', (e) => console.log(`retry ${e.model} in ${e.delayMs} ms (${e.reason})`));
client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));

const message = await client.run(
  ({ model, signal }) =>
    anthropic.messages.create(
      { model, max_tokens: 1024, messages: [{ role: 'user', content: 'Say hello in one word.' }] },
      { signal },
    ),
  // Your patience for the whole call, retries and fallbacks included.
  { signal: AbortSignal.timeout(120_000) },
);
const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
console.log(`${message.model}: ${text}`);
client.dispose();
stopLocalApi(); // the local stand-in, when no API key was set
