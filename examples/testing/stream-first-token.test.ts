// Recipe (docs/testing.md): a stream that fails before its first token is
// retried, and your code sees one clean stream.
// Run: npx vitest run examples/testing
import type Anthropic from '@anthropic-ai/sdk';
import { expect, it } from 'vitest';
import { ResilientClient } from 'llm-resilience';
import { wrapAnthropic } from 'llm-resilience/anthropic';
import { createFakeClock, createFakeProvider, step } from 'llm-resilience/testing';
import { createFakeAnthropic } from 'llm-resilience/testing/anthropic';

/** Your code: streams the answer to the screen, returns the whole text. */
async function streamAnswer(anthropic: Anthropic, print: (text: string) => void): Promise<string> {
  const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 512, messages: [{ role: 'user', content: 'hi' }] });
  stream.on('text', print);
  return stream.finalText();
}

it('retries a stream whose overloaded_error comes before the first token', async () => {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, {
    'claude-sonnet-4-6': [step.streamError({ afterChunks: 0 }), step.success({ text: 'Hello there' })],
  });
  const client = new ResilientClient({ models: ['claude-sonnet-4-6'], clock, random: () => 0.5 });
  const anthropic = wrapAnthropic(createFakeAnthropic(provider), client);

  const printed: string[] = [];
  const answer = streamAnswer(anthropic, (t) => printed.push(t));
  await clock.advance(1_000); // past the backoff before the retry
  await expect(answer).resolves.toBe('Hello there');
  expect(printed.join('')).toBe('Hello there'); // nothing from the failed attempt
  expect(provider.calls.map((c) => c.outcome)).toEqual(['stream-error', 'success']);
  client.dispose();
});
