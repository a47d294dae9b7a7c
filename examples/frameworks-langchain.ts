// LangChain.js chat models and a createAgent agent on wrapped clients (docs/frameworks.md).
// Run: npx tsx examples/frameworks-langchain.ts
// With OPENAI_API_KEY / ANTHROPIC_API_KEY set it calls the real APIs (and costs a few tokens);
// without them, local stand-ins answer (one 429 first on each API: it spills to the chain's second model).
import { stopLocalApi } from './support/frameworks-unless-key.js';
import Anthropic from '@anthropic-ai/sdk';
import { ChatAnthropic } from '@langchain/anthropic';
import { ChatOpenAI, ChatOpenAICompletions, ChatOpenAIResponses } from '@langchain/openai';
import { createAgent, modelFallbackMiddleware, tool } from 'langchain';
import OpenAI from 'openai';
import { z } from 'zod';
import { ResilientClient } from 'llm-resilience';
import { wrapAnthropic } from 'llm-resilience/anthropic';
import { wrapOpenAI } from 'llm-resilience/openai';

const gpt = new ResilientClient({ models: ['gpt-4.1', 'gpt-4.1-mini'] });
const claude = new ResilientClient({ models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] });
for (const client of [gpt, claude]) client.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));

// ChatOpenAI takes no client, but its two parts do (the one that calls Chat
// Completions, the one that calls the Responses API), and every copy of the
// model (bindTools, withConfig) shares them.
const fields = { model: 'gpt-4.1' };
const openai = wrapOpenAI(new OpenAI(), gpt);
const completions = new ChatOpenAICompletions(fields);
const responses = new ChatOpenAIResponses(fields);
completions.client = openai;
responses.client = openai;
const gptModel = new ChatOpenAI({ ...fields, completions, responses });

// ChatAnthropic builds its clients with createClient. It types the options it
// passes with the Anthropic SDK version it bundles, hence the cast.
const claudeModel = new ChatAnthropic({
  model: 'claude-sonnet-4-6',
  createClient: (options) => wrapAnthropic(new Anthropic(options as ConstructorParameters<typeof Anthropic>[0]), claude),
});

const weather = tool(async ({ city }) => `Sunny in ${city}`, {
  name: 'get_weather',
  description: 'The current weather in a city',
  schema: z.object({ city: z.string() }),
});

// A LangGraph agent: GPT through its chain, then (if that whole chain fails) Claude through its own.
const agent = createAgent({ model: gptModel, tools: [weather], middleware: [modelFallbackMiddleware(claudeModel)] });
const state = await agent.invoke({ messages: [{ role: 'user', content: 'Say hello.' }] });
console.log(`agent: ${state.messages.at(-1)?.text}`);

const reply = await claudeModel.invoke('Say hello.');
console.log(`claude: ${reply.text}`);

gpt.dispose();
claude.dispose();
stopLocalApi(); // the local stand-ins, when no API key was set
