// Task ids for wrapped SDK calls, from your own AsyncLocalStorage (docs/providers.md).
// Run: npx tsx examples/providers-task-ids.ts — with OPENAI_API_KEY set it calls
// the real API; without it, a local stand-in answers.
import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI from 'openai';
import { ResilientClient } from 'llm-resilience';
import { wrapOpenAI } from 'llm-resilience/openai';
import { stopLocalApi, useLocalApiUnlessKey } from './support/local-api.js';
import { messages } from './support/prompt.js';

const client = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'], retry: { maxRetries: 2 } });
client.on('retry', (e) => console.log(`[${e.taskId}] retry ${e.model} in ${e.delayMs} ms (${e.reason})`));
client.on('success', (e) => console.log(`[${e.taskId}] ${e.model} answered in ${e.latencyMs} ms`));

/** An agent's steps: plain SDK calls, unaware of tasks or the pipeline. */
async function agentLoop(openai: OpenAI): Promise<void> {
  for (let step = 0; step < 2; step++) {
    const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    console.log(`step ${step + 1}: ${res.choices[0]?.message.content}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await useLocalApiUnlessKey('openai');
  const task = new AsyncLocalStorage<string>();
  const openai = wrapOpenAI(new OpenAI({ maxRetries: 0 }), client, { runOptions: () => ({ taskId: task.getStore() }) });
  await task.run('ticket-1234', () => agentLoop(openai));
  client.dispose();
  stopLocalApi();
}
