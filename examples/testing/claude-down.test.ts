// Recipe (docs/testing.md): Claude is down, GPT answers — one client, a chain
// that spans providers, each model sent to its own SDK.
// Run: npx vitest run examples/testing
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { expect, it } from 'vitest';
import { ResilientClient, byProvider, type FallbackEvent } from 'llm-resilience';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';
import { createFakeAnthropic } from 'llm-resilience/testing/anthropic';
import { createFakeOpenAI } from 'llm-resilience/testing/openai';

/** Your code: one question, whichever provider is up. */
function ask(client: ResilientClient, anthropic: Anthropic, openai: OpenAI, question: string): Promise<string> {
  return client.run(
    byProvider(client, {
      anthropic: async ({ model, signal }) => {
        const msg = await anthropic.messages.create({ model, max_tokens: 512, messages: [{ role: 'user', content: question }] }, { signal });
        return msg.content[0]?.type === 'text' ? msg.content[0].text : '';
      },
      openai: async ({ model, signal }) => {
        const res = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: question }] }, { signal });
        return res.choices[0]?.message.content ?? '';
      },
    }),
  );
}

it('answers with GPT when Claude is overloaded', async () => {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, {
    'claude-sonnet-4-6': [step.overloaded()], // the last step repeats: always down
    'gpt-4.1': [step.success({ text: 'from GPT' })],
  });
  const client = new ResilientClient({
    models: [
      { model: 'claude-sonnet-4-6', provider: 'anthropic' },
      { model: 'gpt-4.1', provider: 'openai' },
    ],
    retry: false,
    clock,
  });
  const fallbacks: FallbackEvent[] = [];
  client.on('fallback', (e) => fallbacks.push(e));

  const answer = await ask(client, createFakeAnthropic(provider), createFakeOpenAI(provider), 'hi');
  expect(answer).toBe('from GPT');
  expect(fallbacks).toMatchObject([{ from: 'claude-sonnet-4-6', to: 'gpt-4.1', reason: 'overloaded' }]);
  client.dispose();
});
