// Compiled by strict-consumer.test.ts with `exactOptionalPropertyTypes: true`,
// as a user's strict project would: the documented forms must compile.
import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { ResilientClient, withRunOptions } from '../../../src/index.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';

const task = new AsyncLocalStorage<string>();
const client = new ResilientClient({ models: [{ model: 'claude-sonnet-4-5', provider: 'anthropic' }, { model: 'gpt-4.1', provider: 'openai' }] });
const openai = wrapOpenAI(new OpenAI({ apiKey: 'x' }), client, { runOptions: () => ({ taskId: task.getStore() }) });
const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'x' }), { models: ['claude-sonnet-4-5'] }, { runOptions: () => ({ taskId: task.getStore(), estimate: { outputTokens: undefined } }) });

export async function uses(signal: AbortSignal): Promise<string> {
  const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages: [] }, withRunOptions({ taskId: task.getStore() }, { signal }));
  const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages: [] }, withRunOptions({ estimate: { outputTokens: 8 } }));
  anthropic.resilience.dispose();
  const resilient: ResilientClient = openai.resilience;
  return `${res.choices[0]?.message.content}${msg.id}${resilient.models.length}`;
}
