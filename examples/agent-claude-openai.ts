// An agent that uses Claude and OpenAI together, on one ResilientClient: a
// chain that spans providers, each model sent only to its own SDK, and
// cross-provider fallback when Claude is down (docs/providers.md).
// Run: npx tsx examples/agent-claude-openai.ts — offline: the SDK clients are
// the test kit's stand-ins, with claude-sonnet-4-6 overloaded. For the real
// APIs, pass `new Anthropic()` and `new OpenAI()` to researchAgent instead.
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { ResilientClient, byProvider, systemClock, withRunOptions } from 'llm-resilience';
import { wrapAnthropic } from 'llm-resilience/anthropic';
import { wrapOpenAI } from 'llm-resilience/openai';
import { createFakeProvider, step } from 'llm-resilience/testing';
import { createFakeAnthropic } from 'llm-resilience/testing/anthropic';
import { createFakeOpenAI } from 'llm-resilience/testing/openai';

export const client = new ResilientClient({
  models: [
    { model: 'claude-sonnet-4-6', provider: 'anthropic' },
    { model: 'gpt-4.1', provider: 'openai' },
    { model: 'claude-haiku-4-5', provider: 'anthropic' },
  ],
  retry: { maxRetries: 1, initialDelayMs: 20 },
  budget: { task: { maxTokens: 200_000 } }, // each research task: at most 200k tokens, counted from real usage
});

const ask = (content: string) => [{ role: 'user' as const, content }];
const text = (msg: Anthropic.Message) => (msg.content[0]?.type === 'text' ? msg.content[0].text : '');

/** The agent: plain SDK calls, on the SDK types. */
export async function researchAgent(rawAnthropic: Anthropic, rawOpenAI: OpenAI, topic: string) {
  const anthropic = wrapAnthropic(rawAnthropic, client); // Claude models of the chain only
  const openai = wrapOpenAI(rawOpenAI, client); // OpenAI models only
  const taskId = `research:${topic}`;

  // 1. An outline from whichever provider is up: Claude first, then GPT.
  //    Each handler returns the SDK's own response, so the budget reads its real usage; take the text after.
  const answer = await client.run(
    byProvider(client, {
      anthropic: ({ model, signal }) => rawAnthropic.messages.create({ model, max_tokens: 512, messages: ask(`Outline: ${topic}`) }, { signal, maxRetries: 0 }),
      openai: ({ model, signal }) => rawOpenAI.chat.completions.create({ model, messages: ask(`Outline: ${topic}`) }, { signal, maxRetries: 0 }),
    }),
    { taskId },
  );
  const outline = 'choices' in answer ? (answer.choices[0]?.message.content ?? '') : text(answer);
  // 2. A draft from GPT, with the task id passed along with the call.
  const draft = await openai.chat.completions.create({ model: 'gpt-4.1', messages: ask(`Draft from: ${outline}`) }, withRunOptions({ taskId }));
  // 3. A review by Claude: sonnet, else haiku — never the GPT entry.
  const review = await anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 512, messages: ask(`Review: ${draft.choices[0]?.message.content}`) }, withRunOptions({ taskId }));
  return { outline, draft: draft.choices[0]?.message.content ?? '', review: text(review), reviewer: review.model };
}

export async function main(log: (line: string) => void = console.log): Promise<void> {
  client.on('fallback', (e) => log(`fallback ${e.from} → ${e.to} (${e.reason}${e.skipped ? `; skipped ${e.skipped.join(', ')}` : ''})`));
  // Offline stand-ins: claude-sonnet-4-6 is overloaded for the whole run.
  const provider = createFakeProvider(systemClock, {
    'claude-sonnet-4-6': [step.overloaded()],
    'gpt-4.1': [step.success({ text: 'outline by GPT', usage: { input_tokens: 1_000, output_tokens: 200 } }), step.success({ text: 'draft by GPT' })],
    'claude-haiku-4-5': [step.success({ text: 'review by Claude Haiku' })],
  });
  const result = await researchAgent(createFakeAnthropic(provider), createFakeOpenAI(provider), 'circuit breakers');
  log(`outline: ${result.outline}`);
  log(`draft:   ${result.draft}`);
  log(`review:  ${result.review} (${result.reviewer})`);
  client.dispose();
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
