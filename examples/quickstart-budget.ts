// A token and cost budget around a real Anthropic call. Run: npx tsx examples/quickstart-budget.ts
// With ANTHROPIC_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to the next model of the chain).
import { stopLocalApi } from './support/anthropic-unless-key.js';
import Anthropic from '@anthropic-ai/sdk';
import { ResilientClient } from 'llm-resilience';

const anthropic = new Anthropic({ maxRetries: 0 });

const client = new ResilientClient({
  models: ['claude-opus-4-5', 'claude-haiku-4-5'],
  budget: {
    models: { 'claude-opus-4-5': { maxCostUsd: 5, action: 'fallback' } }, // full: use the cheaper model
    day: { maxCostUsd: 20 }, // all models together; full: reject with BudgetExceededError
    task: { maxTokens: 200_000 }, // per taskId
    timeZone: 'Europe/Paris', // whose midnight starts a new day
  },
});
client.on('budget:warning', (e) => console.log(`budget ${e.key} past ${e.threshold * 100}%`));
client.on('budget:exceeded', (e) => console.log(`budget ${e.key} full for ${e.model}: ${e.action}`));

const request = { max_tokens: 1024, messages: [{ role: 'user' as const, content: 'Say hello in one word.' }] };
const message = await client.run(
  ({ model, signal }) => anthropic.messages.create({ model, ...request }, { signal }),
  { taskId: 'greeting', request }, // `request` is read only to estimate the reservation
);
console.log(`${message.model}: ${message.usage.input_tokens} in / ${message.usage.output_tokens} out`);

const snapshot = await client.budgetSnapshot({ taskIds: ['greeting'] });
for (const s of snapshot?.scopes ?? []) {
  console.log(`${s.key}: ${s.usedTokens} tokens, $${s.costUsd.toFixed(6)}${s.limitUsd !== null ? ` of $${s.limitUsd}` : ''}`);
}
client.dispose();
stopLocalApi(); // the local stand-in, when no API key was set
