// Recipe (docs/testing.md): when the day's token budget reaches 90%, my
// handler runs — once, however many calls follow.
// Run: npx vitest run examples/testing
import { expect, it } from 'vitest';
import { ResilientClient, type BudgetWarningEvent } from 'llm-resilience';
import { wrapAnthropic } from 'llm-resilience/anthropic';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';
import { createFakeAnthropic } from 'llm-resilience/testing/anthropic';

it('calls the budget handler once when usage crosses 90%', async () => {
  const clock = createFakeClock();
  // Every call reports 1,000 tokens: the 9th reaches 90% of 10,000.
  const provider = createFakeProvider(clock, {
    'claude-haiku-4-5': [step.success({ usage: { input_tokens: 400, output_tokens: 600 } })],
  });
  const client = new ResilientClient({
    models: ['claude-haiku-4-5'],
    budget: { day: { maxTokens: 10_000, action: 'warn-only' } },
    clock,
  });
  const warnings: BudgetWarningEvent[] = [];
  client.on('budget:warning', (e) => warnings.push(e)); // your handler
  const anthropic = wrapAnthropic(createFakeAnthropic(provider), client);

  for (let i = 0; i < 8; i++) await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 600, messages: [{ role: 'user', content: 'hi' }] });
  expect(warnings).toHaveLength(0);
  for (let i = 0; i < 4; i++) await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 600, messages: [{ role: 'user', content: 'hi' }] });
  expect(warnings).toMatchObject([{ scope: 'day', threshold: 0.9, used: 9_000, limit: 10_000 }]);
  client.dispose();
});
