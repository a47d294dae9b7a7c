// The Agents SDK's process-wide default provider takes its client on the first
// run and keeps it: `setDefaultOpenAIClient` must come before any agent runs.
// (Its own file: that default provider lives once per process.)
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled } from '@openai/agents';
import OpenAI from 'openai';
import { expect, it } from 'vitest';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { drive } from '../providers/helpers.js';
import { replies } from '../providers/server.js';
import { h, useHarness } from './setup.js';

setTracingDisabled(true);

useHarness(['gpt-4.1', 'gpt-4.1-mini']);

it('setDefaultOpenAIClient after the first run does not reach the default provider: the 429 goes to the agent untouched', async () => {
  const agent = new Agent({ name: 'Assistant', instructions: 'Answer in one word.', model: 'gpt-4.1' });
  setDefaultOpenAIClient(new OpenAI({ apiKey: 'test-key', baseURL: h.server.openaiBaseURL, maxRetries: 0 }));
  await drive(run(agent, 'Say hello.'), h.clock);
  setDefaultOpenAIClient(wrapOpenAI(new OpenAI({ apiKey: 'test-key', baseURL: h.server.openaiBaseURL }), h.client));
  h.server.script({ model: 'gpt-4.1' }, [replies.rateLimit('openai-responses', { retryAfter: 0 })]);

  const err = await drive(run(agent, 'Say hello.'), h.clock).catch((e: unknown) => e);

  expect(err).toMatchObject({ status: 429 });
  expect(h.events).toEqual([]);
  expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-4.1', 'gpt-4.1']);
});
