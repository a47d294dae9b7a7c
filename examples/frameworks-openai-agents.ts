// The OpenAI Agents SDK on a wrapped client (docs/frameworks.md). Run: npx tsx examples/frameworks-openai-agents.ts
// With OPENAI_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to gpt-4.1-mini).
import { stopLocalApi } from './support/frameworks-unless-key.js';
import { Agent, run, setDefaultOpenAIClient } from '@openai/agents';
import OpenAI from 'openai';
import { wrapOpenAI } from 'llm-resilience/openai';

const openai = wrapOpenAI(new OpenAI(), { models: ['gpt-4.1', 'gpt-4.1-mini'] });
openai.resilience.on('fallback', (e) => console.log(`fallback ${e.from} -> ${e.to} (${e.reason})`));
// Before the first agent runs: the SDK's default provider keeps the client it
// found on its first run, and a later setDefaultOpenAIClient never reaches it.
setDefaultOpenAIClient(openai);

const agent = new Agent({ name: 'Assistant', instructions: 'Answer in one word.', model: 'gpt-4.1' });
const result = await run(agent, 'Say hello.');
console.log(`agent: ${result.finalOutput}`);

openai.resilience.dispose();
stopLocalApi(); // the local stand-ins, when no API key was set
