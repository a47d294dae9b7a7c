// The model chain with wrapOpenAI (docs/providers.md). Run: npx tsx examples/providers-openai.ts
// With OPENAI_API_KEY set it calls the real API (and costs a few tokens);
// without it, a local stand-in answers (one 429 first: it spills to gpt-4.1-mini, which has room).
import { stopLocalApi } from './support/openai-unless-key.js';
import { messages } from './support/prompt.js';
import OpenAI from 'openai';
import { wrapOpenAI } from 'llm-resilience/openai';

const openai = wrapOpenAI(new OpenAI(), { models: ['gpt-4.1', 'gpt-4.1-mini'] });
const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages });

console.log(`${res.model}: ${res.choices[0]?.message.content}`);
stopLocalApi(); // the local stand-in, when no API key was set
