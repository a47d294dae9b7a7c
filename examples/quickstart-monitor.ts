// The performance monitor (on by default) around real Anthropic calls. Run: npx tsx examples/quickstart-monitor.ts
// With ANTHROPIC_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to the next model of the chain).
import { stopLocalApi } from './support/anthropic-unless-key.js';
import Anthropic from '@anthropic-ai/sdk';
import { ResilientClient, renderReport } from 'llm-resilience';

const client = new ResilientClient({
  models: ['claude-opus-4-5', 'claude-haiku-4-5'],
  monitor: { routing: 'healthiest' }, // reorder the chain by health; the default 'fixed' keeps your order
});
client.on('health:change', (e) => console.log(`${e.model}: ${e.from} -> ${e.to} ${e.reasons.join('; ')}`));
client.on('alert', (e) => console.log(`[${e.level}] ${e.message}`));

const anthropic = new Anthropic({ maxRetries: 0 });
for (let i = 0; i < 3; i++) {
  await client.run(({ model, signal }) =>
    anthropic.messages.create(
      { model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hello in one word.' }] },
      { signal },
    ),
  );
}
console.log(`claude-opus-4-5 is ${client.health('claude-opus-4-5')}; next order: ${client.rank().order.join(', ')}`);
const { monitor } = client.snapshot();
if (monitor) console.log(renderReport(monitor)); // Markdown: status, latency, traffic, events, actions
client.dispose();
stopLocalApi(); // the local stand-in, when no API key was set
