// Recipe (docs/testing.md): a 429 with retry-after is retried exactly that
// much later — testing your own function that takes an `OpenAI` client.
// Run: npx vitest run examples/testing
import type OpenAI from 'openai';
import { expect, it } from 'vitest';
import { ResilientClient } from 'llm-resilience';
import { wrapOpenAI } from 'llm-resilience/openai';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';
import { createFakeOpenAI } from 'llm-resilience/testing/openai';

/** Your code: it takes the SDK client, as it does in production. */
async function summarize(openai: OpenAI, text: string): Promise<string> {
  const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: `Summarize: ${text}` }] });
  return res.choices[0]?.message.content ?? '';
}

it('retries a 429 with retry-after: 3 exactly 3 s later', async () => {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, {
    'gpt-4.1': [step.rateLimit({ retryAfter: 3 }), step.success({ text: 'short' })],
  });
  const client = new ResilientClient({ models: ['gpt-4.1'], clock });
  const openai = wrapOpenAI(createFakeOpenAI(provider), client);

  const summary = summarize(openai, 'a long text');
  await clock.advance(2_999);
  expect(provider.calls).toHaveLength(1); // still waiting out the Retry-After
  await clock.advance(1);
  await expect(summary).resolves.toBe('short');
  expect(provider.calls[1]!.at - provider.calls[0]!.at).toBe(3_000);
  client.dispose();
});
